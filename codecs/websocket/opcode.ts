/** WebSocket frame opcodes (RFC 6455 §5.2, §11.8). Values 0x3-0x7 and 0xb-0xf are reserved. */

export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

export type OpcodeValue = (typeof Opcode)[keyof typeof Opcode];

const NAMES: readonly string[] = (() => {
  const names: string[] = [];
  for (const [name, code] of Object.entries(Opcode)) names[code] = name;
  return names;
})();

/** True for the six opcodes RFC 6455 defines. */
export function isKnownOpcode(opcode: number): opcode is OpcodeValue {
  return NAMES[opcode] !== undefined;
}

/** Control frames (close, ping, pong and the reserved 0xb-0xf) have the high opcode bit set. */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}

/** "TEXT" for 1, "0x3" for reserved opcodes. */
export function opcodeName(opcode: number): string {
  return NAMES[opcode] ?? `0x${opcode.toString(16)}`;
}
