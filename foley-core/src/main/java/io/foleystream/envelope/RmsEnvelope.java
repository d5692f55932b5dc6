package io.foleystream.envelope;

import java.util.Arrays;
import java.util.Objects;

/**
 * Frame-wise RMS with {@code librosa.feature.rms} semantics (center=True, constant zero padding of frame_length/2 on
 * each side, value = sqrt(mean(frame²))), computed incrementally so an envelope can leave while audio still arrives.
 *
 * <p>Frame {@code i} is centred on sample {@code i·hop}; a signal of n samples gives {@code 1 + n / hop} frames.
 * Every frame starts and ends on a multiple of {@code gcd(hop, frame/2)}, so the signal is cut into blocks of that
 * length, each squared and summed once, and a frame is the sum of its few blocks (4 for 2048/512): one
 * multiply-add per sample and no cancellation, whatever the signal's length. That is what makes it several times
 * faster than numpy's framed version, which squares every sample frame/hop times.
 */
public final class RmsEnvelope implements StreamingEnvelope {

    private static final int LANES = 4;

    private final int frameLength;
    private final int hopLength;
    private final int halfFrame;
    private final int block;
    private final int blocksPerFrame;

    /** Sums of squares of finished blocks; index 0 holds absolute block {@code firstKeptBlock}. */
    private double[] blockSums = new double[256];
    private int keptBlocks;
    private long firstKeptBlock;
    private long finishedBlocks;
    /**
     * The block being filled, as four partial sums: sample {@code j} of a block always goes to lane {@code j % 4},
     * so the additions (and the result, to the bit) never depend on how the samples were split into pushes, while
     * four independent chains let the CPU overlap them.
     */
    private final double[] lanes = new double[LANES];
    private int filled;
    private long samplesSeen;
    private long nextFrame;

    public RmsEnvelope(int frameLength, int hopLength) {
        if (frameLength <= 0 || hopLength <= 0 || frameLength % 2 != 0) {
            throw new IllegalArgumentException("frame length must be positive and even, hop positive: "
                    + frameLength + "/" + hopLength);
        }
        this.frameLength = frameLength;
        this.hopLength = hopLength;
        this.halfFrame = frameLength / 2;
        this.block = gcd(hopLength, halfFrame);
        this.blocksPerFrame = frameLength / block;
    }

    /** The whole envelope of a finished signal. */
    public static float[] of(float[] samples, int frameLength, int hopLength) {
        return StreamingEnvelope.whole(new RmsEnvelope(frameLength, hopLength), samples);
    }

    public int hopLength() {
        return hopLength;
    }

    @Override
    public float[] push(float[] samples, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, samples.length);
        int at = offset;
        int end = offset + length;
        while (at < end) {
            int take = Math.min(block - filled, end - at);
            accumulate(samples, at, take);
            at += take;
            if (filled == block) {
                closeBlock();
            }
        }
        samplesSeen += length;
        return drain(false);
    }

    /** Ends the signal: the remaining frames see zero padding past the last sample. */
    @Override
    public float[] finish() {
        if (filled > 0) {
            closeBlock(); // the padding zeros would add nothing to it
        }
        return drain(true);
    }

    /** Adds the squares of {@code count} samples, all inside the current block, to their lanes. */
    private void accumulate(float[] samples, int from, int count) {
        int i = from;
        int end = from + count;
        int position = filled;
        while (position % LANES != 0 && i < end) {
            double s = samples[i++];
            lanes[position++ % LANES] += s * s;
        }
        double lane0 = lanes[0];
        double lane1 = lanes[1];
        double lane2 = lanes[2];
        double lane3 = lanes[3];
        for (; i + LANES <= end; i += LANES, position += LANES) {
            double s0 = samples[i];
            double s1 = samples[i + 1];
            double s2 = samples[i + 2];
            double s3 = samples[i + 3];
            lane0 += s0 * s0;
            lane1 += s1 * s1;
            lane2 += s2 * s2;
            lane3 += s3 * s3;
        }
        lanes[0] = lane0;
        lanes[1] = lane1;
        lanes[2] = lane2;
        lanes[3] = lane3;
        while (i < end) {
            double s = samples[i++];
            lanes[position++ % LANES] += s * s;
        }
        filled = position;
    }

    private void closeBlock() {
        if (keptBlocks == blockSums.length) {
            blockSums = Arrays.copyOf(blockSums, keptBlocks * 2);
        }
        blockSums[keptBlocks++] = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
        finishedBlocks++;
        Arrays.fill(lanes, 0);
        filled = 0;
    }

    private float[] drain(boolean atEnd) {
        long lastFrame = atEnd ? samplesSeen / hopLength : lastCompleteFrame();
        int count = (int) Math.max(0, lastFrame - nextFrame + 1);
        float[] frames = new float[count];
        for (int k = 0; k < count; k++) {
            long firstBlock = Math.floorDiv((nextFrame + k) * hopLength - halfFrame, block);
            double sum = 0;
            for (int b = 0; b < blocksPerFrame; b++) {
                sum += blockSum(firstBlock + b);
            }
            frames[k] = (float) Math.sqrt(sum / frameLength);
        }
        nextFrame += count;
        discardBefore(Math.floorDiv(nextFrame * hopLength - halfFrame, block));
        return frames;
    }

    /** The last frame whose right edge has arrived. */
    private long lastCompleteFrame() {
        long rightEdgeLimit = samplesSeen - halfFrame; // frame i needs samples up to i·hop + half - 1
        return rightEdgeLimit < 0 ? -1 : rightEdgeLimit / hopLength;
    }

    /** A finished block's sum of squares; blocks in the padding on either side are zero. */
    private double blockSum(long index) {
        return index < 0 || index >= finishedBlocks ? 0 : blockSums[(int) (index - firstKeptBlock)];
    }

    /** Forgets blocks before {@code index}, compacting only once they fill half the buffer (amortised O(1)). */
    private void discardBefore(long index) {
        int dead = (int) Math.max(0, Math.min(keptBlocks, index - firstKeptBlock));
        if (dead > 0 && dead >= blockSums.length / 2) {
            System.arraycopy(blockSums, dead, blockSums, 0, keptBlocks - dead);
            keptBlocks -= dead;
            firstKeptBlock += dead;
        }
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
