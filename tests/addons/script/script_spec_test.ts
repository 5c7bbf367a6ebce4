import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import {
  absolutePath,
  describeGrants,
  parseScriptSpec,
  processPermissionFlags,
  ScriptSpecError,
  splitWords,
  workerPermissions,
} from "../../../addons/script/script_spec.ts";

Deno.test("script spec: a bare path grants nothing", () => {
  const spec = parseScriptSpec("examples/add_header.ts", "/srv");
  strictEqual(spec.path, "examples/add_header.ts");
  strictEqual(spec.absPath, "/srv/examples/add_header.ts");
  deepStrictEqual(spec.grants, {});
  strictEqual(spec.inprocess, false);
  strictEqual(describeGrants(spec.grants), "none");
  deepStrictEqual(workerPermissions(spec.grants), {
    net: false,
    read: false,
    write: false,
    env: false,
    run: false,
    sys: false,
    ffi: false,
    import: false,
  });
});

Deno.test("script spec: grants are Deno-style flags; paths become absolute", () => {
  const spec = parseScriptSpec(
    "s.ts --allow-net=api.example.com:443,example.org --allow-read=./data,/etc/hosts " +
      "--allow-env=TOKEN --allow-env=HOME --allow-write --inprocess",
    "/home/u/proj",
  );
  deepStrictEqual(spec.grants, {
    net: ["api.example.com:443", "example.org"],
    read: ["/home/u/proj/data", "/etc/hosts"],
    env: ["TOKEN", "HOME"],
    write: true,
  });
  strictEqual(spec.inprocess, true);
  strictEqual(
    describeGrants(spec.grants),
    "net=api.example.com:443,example.org; read=/home/u/proj/data,/etc/hosts; write (all); " +
      "env=TOKEN,HOME",
  );
  deepStrictEqual(processPermissionFlags(spec.grants, ["/repo/api/mod.ts"]), [
    "--allow-net=api.example.com:443,example.org",
    "--allow-read=/home/u/proj/data,/etc/hosts,/repo/api/mod.ts",
    "--allow-write",
    "--allow-env=TOKEN,HOME",
  ]);
  deepStrictEqual(processPermissionFlags({}, ["/s.ts"]), ["--allow-read=/s.ts"]);
});

Deno.test("script spec: quotes keep spaces; bad words are named", () => {
  deepStrictEqual(splitWords(`"my dir/s.ts" --allow-read='a b'`), [
    "my dir/s.ts",
    "--allow-read=a b",
  ]);
  strictEqual(parseScriptSpec(`"my dir/s.ts"`, "/x").absPath, "/x/my dir/s.ts");
  for (
    const [bad, why] of [
      ["", /empty script path/],
      ["--allow-net s.ts", /path must come first/],
      ["s.ts --allow-everything", /"--allow-everything" in script s.ts: expected --allow-/],
      ["s.ts -A", /"-A" in script s.ts/],
      ["s.ts --allow-net=", /empty list/],
      ["s.ts 'unclosed", /unclosed '/],
    ] as const
  ) {
    throws(
      () => parseScriptSpec(bad, "/"),
      (e) => e instanceof ScriptSpecError && why.test(e.message),
    );
  }
});

Deno.test("script spec: absolutePath resolves . and ..", () => {
  strictEqual(absolutePath("../b/./c.ts", "/a/x"), "/a/b/c.ts");
  strictEqual(absolutePath("/abs/./p", "/ignored"), "/abs/p");
});
