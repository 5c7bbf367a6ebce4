import assert from "node:assert/strict";
import { ErrorCode } from "../../../codecs/http2/error_codes.ts";
import {
  applySettings,
  DEFAULT_SETTINGS,
  SettingId,
  settingsDiff,
} from "../../../codecs/http2/settings.ts";

Deno.test("applySettings applies known ids in order and ignores unknown ones", () => {
  const r = applySettings(DEFAULT_SETTINGS, [[1, 0], [3, 10], [3, 20], [0x42, 1], [8, 1]]);
  assert.ok(!("error" in r));
  assert.equal(r.settings.headerTableSize, 0);
  assert.equal(r.settings.maxConcurrentStreams, 20);
  assert.equal(r.settings.enableConnectProtocol, true);
  assert.deepEqual(r.changed, [[1, 0], [3, 10], [3, 20], [8, 1]]);
});

Deno.test("out-of-range values are connection errors with the RFC's codes", () => {
  const cases: [number, number, number][] = [
    [SettingId.ENABLE_PUSH, 2, ErrorCode.PROTOCOL_ERROR],
    [SettingId.INITIAL_WINDOW_SIZE, 2 ** 31, ErrorCode.FLOW_CONTROL_ERROR],
    [SettingId.MAX_FRAME_SIZE, 16383, ErrorCode.PROTOCOL_ERROR],
    [SettingId.MAX_FRAME_SIZE, 2 ** 24, ErrorCode.PROTOCOL_ERROR],
    [SettingId.ENABLE_CONNECT_PROTOCOL, 2, ErrorCode.PROTOCOL_ERROR],
  ];
  for (const [id, value, code] of cases) {
    const r = applySettings(DEFAULT_SETTINGS, [[id, value]]);
    assert.ok("error" in r && r.code === code, `${id}=${value}`);
  }
  const on = applySettings(DEFAULT_SETTINGS, [[8, 1]]);
  assert.ok(!("error" in on));
  assert.ok("error" in applySettings(on.settings, [[8, 0]]));
});

Deno.test("settingsDiff lists only changed, finite values", () => {
  assert.deepEqual(
    settingsDiff(DEFAULT_SETTINGS, {
      enablePush: false,
      maxFrameSize: 16384,
      maxConcurrentStreams: 100,
    }),
    [
      [SettingId.ENABLE_PUSH, 0],
      [SettingId.MAX_CONCURRENT_STREAMS, 100],
    ],
  );
});
