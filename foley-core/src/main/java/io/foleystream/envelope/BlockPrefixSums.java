package io.foleystream.envelope;

import java.util.Arrays;

/**
 * Sums over any recent range of a growing sequence in O(1), for moving-window envelopes.
 *
 * <p>The running sum restarts at every multiple of the block length, so rounding stays that of a block-long sum
 * however long the signal, and every sum depends only on the values, never on how they were pushed: streaming in
 * pieces gives bit-identical results to one call.
 */
final class BlockPrefixSums {

    private final int block;
    /** Running in-block sum through each kept index; index 0 is absolute index {@code start}. */
    private double[] cumulative = new double[8192];
    private int kept;
    private long start;
    private long count;
    private double runningInBlock;
    private int leftInBlock;

    /** @param longestRange the longest range {@link #sum} will be asked for */
    BlockPrefixSums(int longestRange) {
        this.block = Math.max(1 << 16, longestRange);
    }

    void append(double value) {
        if (kept == cumulative.length) {
            cumulative = Arrays.copyOf(cumulative, kept * 2);
        }
        if (leftInBlock == 0) {
            runningInBlock = 0;
            leftInBlock = block;
        }
        leftInBlock--;
        runningInBlock += value;
        cumulative[kept++] = runningInBlock;
        count++;
    }

    long count() {
        return count;
    }

    /** The sum over {@code [from, to)}, clipped to the indices seen; ranges before the kept indices are an error. */
    double sum(long from, long to) {
        from = Math.max(from, 0);
        to = Math.min(to, count);
        if (to <= from) {
            return 0;
        }
        long lastBlockStart = (to - 1) / block * block;
        if (from >= lastBlockStart) {
            return at(to - 1) - before(from);
        }
        return at(lastBlockStart - 1) - before(from) + at(to - 1);
    }

    /** Forgets values before {@code index}; sums must start at or after it from now on. */
    void discardBefore(long index) {
        // the in-block sum just before the first kept index is needed to subtract it
        int drop = (int) Math.max(0, Math.min(kept, index - 1 - start));
        if (drop > 0) {
            System.arraycopy(cumulative, drop, cumulative, 0, kept - drop);
            kept -= drop;
            start += drop;
        }
    }

    private double before(long index) {
        return index % block == 0 ? 0 : at(index - 1);
    }

    private double at(long index) {
        return cumulative[(int) (index - start)];
    }
}
