/**
 * Modifies an HTML form submission (application/x-www-form-urlencoded): adds a field to
 * forms that have one, and sends a form with requests that have none.
 * (mitmproxy's `http-modify-form.py`.)
 *
 *     mitmdeno dump -s examples/http_modify_form.ts
 */
import { defineAddon } from "mitmdeno";

export default defineAddon({
  request(flow) {
    const form = flow.request.urlencoded_form;
    if (form.size > 0) {
      form.set("mitmdeno", "rocks");
    } else {
      // This sets the Content-Type header too.
      flow.request.urlencoded_form = [["foo", "bar"]];
    }
  },
});
