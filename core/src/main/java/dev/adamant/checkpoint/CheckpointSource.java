package dev.adamant.checkpoint;

import dev.adamant.tensor.DType;
import dev.adamant.tensor.Tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/** The bytes of a checkpoint file, read or mapped ({@link LoadMode}). */
sealed interface CheckpointSource extends AutoCloseable permits CheckpointSource.Reader, CheckpointSource.Mapping {
    /** Bytes per copy: the staging buffer's size, and the mapped copies' chunk. */
    int CHUNK = 1 << 20;

    static CheckpointSource open(Path file, LoadMode mode) throws IOException {
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        try {
            return switch (mode) {
                case READ -> new Reader(ch);
                case MAP -> new Mapping(ch);
            };
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    long size();

    /** {@code length} bytes from {@code position}, which the caller has checked lie inside the file. */
    byte[] bytes(long position, int length) throws IOException;

    /**
     * Fills {@code into} from the little-endian bytes at {@code position} and adds those bytes to
     * {@code crc}: the checksum covers what is kept, not a second read of the file.
     */
    void copyInto(Tensor into, long position, CRC32C crc) throws IOException;

    @Override
    void close() throws IOException;

    /** Positional reads through one direct staging buffer. */
    final class Reader implements CheckpointSource {
        private final FileChannel ch;
        private final long size;
        private ByteBuffer staging;
        private MemorySegment stage; // all of staging, whatever its position and limit

        Reader(FileChannel ch) throws IOException {
            this.ch = ch;
            this.size = ch.size();
        }

        @Override
        public long size() {
            return size;
        }

        @Override
        public byte[] bytes(long position, int length) throws IOException {
            ByteBuffer b = ByteBuffer.allocate(length);
            readFully(b, position);
            return b.array();
        }

        @Override
        public void copyInto(Tensor into, long position, CRC32C crc) throws IOException {
            if (staging == null) {
                staging = ByteBuffer.allocateDirect(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
                stage = MemorySegment.ofBuffer(staging);
            }
            DType dtype = into.dtype();
            ValueLayout nat = dtype.layout();
            ValueLayout le = nat.withOrder(ByteOrder.LITTLE_ENDIAN);
            long esize = dtype.byteSize();
            long perChunk = CHUNK / esize;
            for (long i = 0; i < into.size(); i += perChunk) {
                long n = Math.min(perChunk, into.size() - i);
                staging.clear().limit((int) (n * esize));
                readFully(staging, position + i * esize);
                staging.flip();
                crc.update(staging);
                MemorySegment.copy(stage, le, 0, into.segment(), nat, i * esize, n);
            }
        }

        private void readFully(ByteBuffer b, long position) throws IOException {
            long pos = position;
            while (b.hasRemaining()) {
                int n = ch.read(b, pos);
                if (n < 0) { // the file shrank after its size was read
                    throw new CheckpointException("truncated file: unexpected end at byte " + pos);
                }
                pos += n;
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    /** The whole file mapped read-only; tensors are copied straight from the mapping. */
    final class Mapping implements CheckpointSource {
        private static final boolean NATIVE_IS_LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        private final Arena arena = Arena.ofConfined();
        private final MemorySegment file;

        Mapping(FileChannel ch) throws IOException {
            try (ch) { // the mapping outlives the channel
                file = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            } catch (IOException | RuntimeException e) {
                arena.close();
                throw e;
            }
        }

        @Override
        public long size() {
            return file.byteSize();
        }

        @Override
        public byte[] bytes(long position, int length) {
            return file.asSlice(position, length).toArray(ValueLayout.JAVA_BYTE);
        }

        @Override
        public void copyInto(Tensor into, long position, CRC32C crc) {
            DType dtype = into.dtype();
            ValueLayout nat = dtype.layout();
            // tensors follow each other without padding: a float64 may start at any multiple of 4
            ValueLayout le = nat.withOrder(ByteOrder.LITTLE_ENDIAN).withByteAlignment(1);
            long esize = dtype.byteSize();
            long perChunk = CHUNK / esize; // ByteBuffer views are int-sized: checksum in chunks
            for (long i = 0; i < into.size(); i += perChunk) {
                long n = Math.min(perChunk, into.size() - i);
                MemorySegment.copy(file, le, position + i * esize, into.segment(), nat, i * esize, n);
                // on a little-endian machine the copy holds the file's bytes: checksum the copy itself
                MemorySegment kept = NATIVE_IS_LITTLE_ENDIAN
                        ? into.segment().asSlice(i * esize, n * esize)
                        : file.asSlice(position + i * esize, n * esize);
                crc.update(kept.asByteBuffer());
            }
        }

        @Override
        public void close() {
            arena.close();
        }
    }
}
