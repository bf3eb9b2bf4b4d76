// The per-file warning cap shared by the OS package-database analyzers (apk, dpkg, rpm).

/** Warnings kept per file; the rest are counted in one closing line. */
export const MAX_WARNINGS_PER_FILE = 50;

export interface CappedWarnings {
  /** a warning about the file, passed on prefixed with its path while fewer than MAX_WARNINGS_PER_FILE were */
  warn: (m: string) => void;
  /** passes on the closing line that counts the warnings not shown, when there were any */
  done: () => void;
}

export function cappedWarnings(path: string, sink: (m: string) => void): CappedWarnings {
  let warned = 0;
  return {
    warn: (m) => {
      warned++;
      if (warned <= MAX_WARNINGS_PER_FILE) sink(`${path}: ${m}`);
    },
    done: () => {
      if (warned > MAX_WARNINGS_PER_FILE) sink(`${path}: ${warned - MAX_WARNINGS_PER_FILE} more warnings not shown`);
    },
  };
}
