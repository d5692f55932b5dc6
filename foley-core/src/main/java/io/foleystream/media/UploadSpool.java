package io.foleystream.media;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The bytes of one upload as they arrive, spooled to a temp file so that memory stays flat however large the
 * video is. One thread appends; a decode thread reads any position and blocks until that byte has arrived.
 * That blocking read is what lets FFmpeg decode progressively, and lets a moov-at-end MP4 simply wait for its tail.
 */
public final class UploadSpool implements AutoCloseable {

    private final Path file;
    private final long maxBytes;
    private final boolean ownsFile;
    private final FileChannel channel;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private long size;
    private boolean complete;
    private String abortReason;
    private boolean closed;

    /** A new, empty spool in a temp file under {@code dir}; {@link #close()} deletes it. */
    public UploadSpool(Path dir, long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be positive: " + maxBytes);
        }
        try {
            Files.createDirectories(dir);
            this.file = Files.createTempFile(dir, "upload-", ".spool");
            this.channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create an upload spool in " + dir, e);
        }
        this.maxBytes = maxBytes;
        this.ownsFile = true;
    }

    private UploadSpool(Path existing) throws IOException {
        this.file = existing;
        this.channel = FileChannel.open(existing, StandardOpenOption.READ);
        this.size = channel.size();
        this.maxBytes = size;
        this.complete = true;
        this.ownsFile = false;
    }

    /** A complete, read-only spool over a file that already exists (the CLI's input); close leaves the file alone. */
    public static UploadSpool ofFile(Path existing) {
        try {
            return new UploadSpool(existing);
        } catch (IOException e) {
            throw MediaException.badInput("cannot read " + existing.getFileName() + ": " + e.getMessage());
        }
    }

    /**
     * Adds the next bytes of the upload.
     *
     * @throws MediaException BAD_INPUT when the upload would exceed maxBytes; the spool is then aborted
     * @throws IllegalStateException after {@link #complete()}, {@link #abort(String)} or {@link #close()}
     */
    public void append(byte[] data) {
        long writeAt;
        lock.lock();
        try {
            requireOpenForWriting();
            if (size + data.length > maxBytes) {
                String reason = "upload exceeds " + maxBytes + " bytes";
                abortLocked(reason);
                throw MediaException.badInput(reason);
            }
            writeAt = size;
        } finally {
            lock.unlock();
        }
        // Only the single appending thread writes, so the file write needs no lock; readers never look past size.
        try {
            ByteBuffer buffer = ByteBuffer.wrap(data);
            long position = writeAt;
            while (buffer.hasRemaining()) {
                position += channel.write(buffer, position);
            }
        } catch (IOException e) {
            abort("spool write failed");
            throw MediaException.internal("cannot write the upload spool: " + e.getMessage(), e);
        }
        lock.lock();
        try {
            size = writeAt + data.length;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** No more bytes will come; readers now see the end of the upload. */
    public void complete() {
        lock.lock();
        try {
            requireOpenForWriting();
            complete = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Gives up on this upload; blocked and later reads throw a BAD_INPUT MediaException naming the reason. */
    public void abort(String reason) {
        lock.lock();
        try {
            abortLocked(reason);
        } finally {
            lock.unlock();
        }
    }

    public long size() {
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }

    public boolean isComplete() {
        lock.lock();
        try {
            return complete;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits up to {@code timeout} until the byte at {@code position} has arrived or the upload is complete.
     *
     * @return true when a {@link #read} at {@code position} would not block
     * @throws MediaException BAD_INPUT when the upload was aborted
     */
    public boolean awaitReadable(long position, long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lockInterruptibly();
        try {
            while (true) {
                requireNotAborted();
                if (position < size || complete) {
                    return true;
                }
                if (nanos <= 0) {
                    return false;
                }
                nanos = changed.awaitNanos(nanos);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Reads up to {@code len} bytes at {@code position}, blocking until at least one of them has arrived.
     *
     * @return the number of bytes read, or -1 when the upload is complete and {@code position} is at or past its end
     * @throws InterruptedException when the reading thread is interrupted while waiting
     * @throws MediaException BAD_INPUT when the upload was aborted
     */
    public int read(long position, byte[] buf, int off, int len) throws InterruptedException {
        if (position < 0 || off < 0 || len < 0 || off + len > buf.length) {
            throw new IndexOutOfBoundsException("position " + position + ", off " + off + ", len " + len);
        }
        long available;
        lock.lockInterruptibly();
        try {
            while (true) {
                requireNotAborted();
                if (position < size || complete) {
                    break;
                }
                changed.await();
            }
            if (closed) {
                throw MediaException.internal("the upload spool is closed");
            }
            available = size - position;
        } finally {
            lock.unlock();
        }
        if (available <= 0) {
            return len == 0 ? 0 : -1;
        }
        int wanted = (int) Math.min(len, available);
        ByteBuffer target = ByteBuffer.wrap(buf, off, wanted);
        try {
            while (target.hasRemaining()) {
                int n = channel.read(target, position + target.position() - off);
                if (n < 0) {
                    break;
                }
            }
        } catch (IOException e) {
            throw MediaException.internal("cannot read the upload spool: " + e.getMessage(), e);
        }
        return target.position() - off;
    }

    /** Closes the file and, for a spool made by the constructor, deletes it. Blocked readers are woken. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (!complete && abortReason == null) {
                abortReason = "upload spool closed";
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        try {
            channel.close();
            if (ownsFile) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the upload spool " + file, e);
        }
    }

    private void abortLocked(String reason) {
        if (abortReason == null && !closed) {
            abortReason = reason;
        }
        changed.signalAll();
    }

    private void requireNotAborted() {
        if (abortReason != null) {
            throw MediaException.badInput("upload aborted: " + abortReason);
        }
    }

    private void requireOpenForWriting() {
        if (!ownsFile) {
            throw new IllegalStateException("a spool over an existing file is read-only");
        }
        if (closed || complete || abortReason != null) {
            throw new IllegalStateException("the upload is already " + (closed ? "closed" : complete ? "complete" : "aborted"));
        }
    }
}
