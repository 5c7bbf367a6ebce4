import { strictEqual } from "node:assert/strict";
import { PAGES } from "../docs/generate.ts";

Deno.test("generated reference pages are up to date (run: deno run -A docs/generate.ts)", async () => {
  for (const [name, make] of Object.entries(PAGES)) {
    const committed = await Deno.readTextFile(new URL(`../docs/${name}`, import.meta.url));
    strictEqual(committed, make(), `docs/${name} is stale`);
  }
});
