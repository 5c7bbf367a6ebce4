/** mitmdeno's version, shown by `--version` and in the Server header of our own responses. */
export const VERSION = "0.1.0";
