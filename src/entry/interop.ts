// The package's `strand/interop` entry: readers and writers of foreign model formats. It sets no
// platform of its own; import `strand` (or `strand/inline`) for `init()` and the models.
export * from '../interop/index.ts';
