/** The one error a filter expression can produce. */

/** A filter expression that does not parse, or whose regex does not compile. `position` is
 * the offset into `expression` where the problem is. */
export class FilterSyntaxError extends Error {
  constructor(
    readonly expression: string,
    readonly position: number,
    /** What is wrong, without the position prefix. */
    readonly reason: string,
    message = `Invalid filter expression at position ${position}: ${reason}`,
  ) {
    super(message);
    this.name = "FilterSyntaxError";
  }
}
