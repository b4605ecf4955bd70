/**
 * The resource a request to `url` is for: the longest configured resource that prefixes it,
 * else the URL's origin.
 */
export function resourceFor(url: URL, resources: Iterable<string>): string {
  const href = url.href;
  let best: string | undefined;
  for (const resource of resources) {
    if (href.startsWith(resource) && (best === undefined || resource.length > best.length)) best = resource;
  }
  return best ?? url.origin;
}
