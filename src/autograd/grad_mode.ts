let enabled = true;

export function isGradEnabled(): boolean {
  return enabled;
}

/** Runs fn with gradient recording off, as `with torch.no_grad()`. Async functions are awaited. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs fn with gradient recording on, as `with torch.enable_grad()`. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

export function setGradEnabled(on: boolean): void {
  enabled = on;
}

function withGradMode<T>(on: boolean, fn: () => T): T {
  const prev = enabled;
  enabled = on;
  let result: T;
  try {
    result = fn();
  } catch (e) {
    enabled = prev;
    throw e;
  }
  if (result instanceof Promise) {
    return result.finally(() => {
      enabled = prev;
    }) as T;
  }
  enabled = prev;
  return result;
}
