package io.stockade.testkit.l1;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Lets one L1 guest boot at a time on this machine: QEMU's TCG keeps both cores busy, so two guests only slow each
 * other (and everyone's builds) down. A file lock covers other JVMs; the in-process lock covers other threads, since
 * file locks are per process.
 */
final class BootLock implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BootLock.class.getName());
    private static final ReentrantLock IN_PROCESS = new ReentrantLock();
    private final FileChannel channel;
    private final FileLock lock;

    private BootLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    static BootLock acquire(Path lockFile) {
        IN_PROCESS.lock();
        try {
            FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            try {
                FileLock lock = channel.tryLock();
                if (lock == null) {
                    LOG.log(System.Logger.Level.INFO, "another L1 guest is running on this machine; waiting for {0}",
                            lockFile);
                    lock = channel.lock();
                }
                return new BootLock(channel, lock);
            } catch (IOException | RuntimeException e) {
                channel.close();
                throw e;
            }
        } catch (IOException e) {
            IN_PROCESS.unlock();
            throw new UncheckedIOException("cannot lock " + lockFile, e);
        } catch (RuntimeException e) {
            IN_PROCESS.unlock();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("releasing the L1 boot lock", e);
        } finally {
            IN_PROCESS.unlock();
        }
    }
}
