import { strictEqual } from "node:assert/strict";
import fc from "fast-check";
import { parsePythonFloat, pythonFloatRepr } from "../../../codecs/tnetstring/float_repr.ts";

/** [IEEE-754 bits, Python 3 `repr(float)`], generated with CPython 3.11. */
const PYTHON_REPRS: [string, string][] = [
  ["0000000000000000", "0.0"],
  ["8000000000000000", "-0.0"],
  ["3ff0000000000000", "1.0"],
  ["bff0000000000000", "-1.0"],
  ["3fb999999999999a", "0.1"],
  ["3fe0000000000000", "0.5"],
  ["3ff8000000000000", "1.5"],
  ["4059000000000000", "100.0"],
  ["430c6bf526340000", "1000000000000000.0"],
  ["4341c37937e08000", "1e+16"],
  ["434aa535d3d0c000", "1.5e+16"],
  ["4341c37937e07fff", "9999999999999998.0"],
  ["4376345785d8a000", "1e+17"],
  ["437b69b4ba630f35", "1.2345678901234568e+17"],
  ["3f1a36e2eb1c432d", "0.0001"],
  ["3ee4f8b588e368f1", "1e-05"],
  ["3f202e4b6ce5dc68", "0.00012345"],
  ["3ee9e3abe16fc70d", "1.2345e-05"],
  ["0000000000000001", "5e-324"],
  ["7fefffffffffffff", "1.7976931348623157e+308"],
  ["0010000000000000", "2.2250738585072014e-308"],
  ["41cc369ab8000000", "946681200.0"],
  ["41d954fc4007e6b4", "1700000000.123456"],
  ["41d9bbb50dea74ab", "1726927927.6633708"],
  ["41d806b972c15ffb", "1612375499.0214832"],
  ["41d5e4960eb3020c", "1469208634.797"],
  ["3fd3333333333333", "0.3"],
  ["3fe5555555555555", "0.6666666666666666"],
  ["3fd5555555555555", "0.3333333333333333"],
  ["7ff0000000000000", "inf"],
  ["fff0000000000000", "-inf"],
  ["405edd2f1a9fbe77", "123.456"],
  ["c05edd2f1a9fbe77", "-123.456"],
  ["4480f0cf064dd592", "1e+22"],
  ["444b1ae4d6e2ef50", "1e+21"],
  ["54b249ad2594c37d", "1e+100"],
  ["400921f9f01b866e", "3.14159"],
  ["4340000000000000", "9007199254740992.0"],
  ["4340000000000001", "9007199254740994.0"],
  ["3f50624dd2f1a9fc", "0.001"],
  ["3f847ae147ae147b", "0.01"],
  ["3e7ad7f29abcaf48", "1e-07"],
  ["3eb4b66da6c0b2a4", "1.2345678e-06"],
  ["4164d8399f767c45", "10928588.983213553"],
  ["5bc8fbbcbde5c099", "1.4186613525849614e+134"],
  ["b0c11fdecb91ce37", "-7.571968556055867e-74"],
  ["d76d4330f1446bea", "-1.4074705188261364e+113"],
  ["a6eb8c9ebd69fe29", "-3.3339745473042614e-121"],
  ["87b0b125ec1d7da0", "-1.2342180766211395e-271"],
  ["d7210dff076ce2ef", "-5.126864004244935e+111"],
  ["c6a5387777330bdb", "-2.1520217579844227e+32"],
  ["3fc1ea36f17fd374", "0.1399601630397701"],
  ["0d464138a6233255", "1.01853664031722e-244"],
  ["2827688de6a16a3b", "2.9704598186234577e-115"],
  ["5f2dd97f1cfb10f6", "3.0534183338726823e+150"],
  ["de5271007814e8a2", "-2.3027782228163463e+146"],
  ["617959ce3f1f65a8", "3.56409621163656e+161"],
  ["1a1afe878b33e968", "6.352929017207453e-183"],
  ["3fd4235992edcf45", "0.3146575865605324"],
  ["bb2edb20035b7399", "-1.2761724801771812e-23"],
  ["687c966c377b9aa2", "2.0868668176225336e+195"],
  ["2e9c82b1478c281d", "3.66898827745704e-84"],
  ["de11cc9dea959c21", "-1.389122273370197e+145"],
  ["63b229f1c4069545", "1.7548715433165102e+172"],
  ["c30d8b7628dbd25e", "-1039514241563211.8"],
  ["126a1e48cc11d357", "5.7804021771411506e-220"],
  ["9e30691c238642ea", "-2.8497478716107576e-163"],
  ["71e0c07e9e115e4b", "3.490691392124745e+240"],
  ["21da8978206f5c66", "1.3282314387596086e-145"],
  ["f8eb18b900745130", "-2.9317061175715426e+274"],
  ["015c33b2df1461aa", "4.1124768973349897e-302"],
  ["c60a3cab359eeefb", "-2.5983853818656714e+29"],
  ["f5cae3bf3729c619", "-2.5839922981649337e+259"],
  ["41dabe566f297530", "1794726332.6477776"],
  ["41da406ff66862f8", "1761722329.6310406"],
  ["41d7a5211f94bdb1", "1586791550.3240778"],
  ["41daa65ec12bd773", "1788443396.685025"],
  ["41d8c323602a51cf", "1661767040.6612432"],
  ["41d961c2e5cb361c", "1703349143.1751776"],
  ["41d74465bf970c80", "1561433854.360138"],
  ["41da8ee85014e3bc", "1782292800.3263998"],
  ["41d9706c419540ad", "1707192582.3320725"],
  ["41daac30e36c7d7a", "1789969293.6951585"],
  ["41da58da21d177e8", "1768122503.2729435"],
  ["41d7affb8f56cb55", "1589636669.3561604"],
  ["41d7f7651d1aab76", "1608356980.4167151"],
  ["41d717f7b048e420", "1549786817.1389236"],
  ["41d700c9db372e5d", "1543710572.8622048"],
  ["4123e10a447bc432", "651397.1337567626"],
  ["3d6cc27ccaf194f7", "8.174003109567611e-13"],
  ["41c1c2f56345b8ca", "595978950.5447018"],
  ["41c3ad1cfcc160f5", "660224505.5107714"],
  ["43a6b7ebb4532691", "8.185180746470708e+17"],
  ["3fb1d40e8dcf7f6a", "0.06964198076411568"],
  ["3fa8a36cf6396825", "0.04812183862368639"],
  ["3d640e2ff2ea5030", "5.700092953578995e-13"],
  ["4201ae3c66f5a460", "9492204766.705261"],
  ["3da29441aec945a1", "8.448808893881296e-12"],
];

function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt("0x" + hex));
  return view.getFloat64(0);
}

Deno.test("pythonFloatRepr matches CPython repr()", () => {
  for (const [bits, repr] of PYTHON_REPRS) {
    strictEqual(pythonFloatRepr(fromBits(bits)), repr, `bits ${bits}`);
  }
  strictEqual(pythonFloatRepr(NaN), "nan");
});

Deno.test("parsePythonFloat reads every repr back exactly", () => {
  for (const [bits, repr] of PYTHON_REPRS) {
    strictEqual(Object.is(parsePythonFloat(repr), fromBits(bits)), true, repr);
  }
  fc.assert(
    fc.property(fc.double(), (x) => Object.is(parsePythonFloat(pythonFloatRepr(x)), x)),
    { numRuns: 2000 },
  );
});

Deno.test("parsePythonFloat accepts Python float() spellings and rejects the rest", () => {
  strictEqual(parsePythonFloat("1"), 1);
  strictEqual(parsePythonFloat("-2.5E3"), -2500);
  strictEqual(parsePythonFloat(".5"), 0.5);
  strictEqual(parsePythonFloat("5."), 5);
  strictEqual(parsePythonFloat("Infinity"), Infinity);
  strictEqual(parsePythonFloat("-inf"), -Infinity);
  strictEqual(Number.isNaN(parsePythonFloat("NaN")), true);
  for (const bad of ["", "1.2.3", "0x10", "e5", " 1", "1e", "--1", "infinit"]) {
    strictEqual(parsePythonFloat(bad), null, bad);
  }
});
