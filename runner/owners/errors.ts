/** An object cannot be served now; the message says why (its owner host gone, its files stale…). */
export class ObjectUnavailable extends Error {
  override name = "ObjectUnavailable";
}
