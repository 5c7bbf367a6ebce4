/** Filter-valued options (`save_stream_filter`, `readfile_filter`, `dumper_filter`, ...). */
import {
  CASE_SENSITIVE_ENV,
  caseSensitiveFromEnv,
  FilterSyntaxError,
  type FlowFilter,
  parseFilter,
} from "../core/flowfilter/filter.ts";
import { OptionsError } from "../core/option_types.ts";

function envVar(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    // No --allow-env: behave as if the variable were unset.
    return undefined;
  }
}

/** Compiles a filter option's value (null or "" means no filter); a bad expression is an
 * OptionsError naming the option. Shared with `read_file.ts`. */
export function compileFlowFilter(option: string, expr: string | null): FlowFilter | null {
  if (expr === null || expr === "") return null;
  try {
    return parseFilter(expr, { caseSensitive: caseSensitiveFromEnv(envVar(CASE_SENSITIVE_ENV)) });
  } catch (e) {
    if (e instanceof FilterSyntaxError) throw new OptionsError(`${option}: ${e.message}`);
    throw e;
  }
}
