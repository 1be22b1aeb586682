/**
 * Persistent sandbox records: one directory per sandbox under {@code state_dir} holding {@code sandbox.json},
 * replaced atomically (temp file, fsync, rename, fsync of the directory) so a crash leaves the old or the new record,
 * never a torn one.
 */
package io.stockade.sandboxer.store;
