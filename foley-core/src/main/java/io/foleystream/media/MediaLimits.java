package io.foleystream.media;

import java.time.Duration;

/**
 * What one untrusted upload may cost us. Every limit is checked before or while decoding, so a hostile file ends
 * as a {@link MediaException} of kind BAD_INPUT instead of eating memory or a worker.
 *
 * @param maxBytes                 the largest upload we spool
 * @param maxDurationSeconds       the longest video we decode
 * @param maxWidth                 the widest coded picture we accept
 * @param maxHeight                the tallest coded picture we accept
 * @param probeSizeBytes           how many bytes FFmpeg may read to recognise the container (at most 1 MiB of them)
 *                                 and its streams; at least 2048, the least FFmpeg can recognise a container in
 * @param maxAnalyzeDurationMicros how much media time FFmpeg may read to analyse the streams
 * @param maxDecodeTime            wall time from open to the last frame, including waiting for the upload
 */
public record MediaLimits(
        long maxBytes,
        double maxDurationSeconds,
        int maxWidth,
        int maxHeight,
        long probeSizeBytes,
        long maxAnalyzeDurationMicros,
        Duration maxDecodeTime) {

    public MediaLimits {
        if (maxBytes <= 0 || maxDurationSeconds <= 0 || maxWidth <= 0 || maxHeight <= 0
                || probeSizeBytes < 2048 || maxAnalyzeDurationMicros <= 0
                || maxDecodeTime == null || maxDecodeTime.isNegative() || maxDecodeTime.isZero()) {
            throw new IllegalArgumentException("every media limit must be positive, and the probe size at least 2048");
        }
    }

    /** 2 GiB, one hour, pictures up to 4096 on a side (portrait 4K fits), 10 MiB / 10 s probing, 30 minutes. */
    public static MediaLimits defaults() {
        return new MediaLimits(2L << 30, 3600, 4096, 4096, 10L << 20, 10_000_000L, Duration.ofMinutes(30));
    }

    public MediaLimits withMaxBytes(long bytes) {
        return new MediaLimits(bytes, maxDurationSeconds, maxWidth, maxHeight, probeSizeBytes,
                maxAnalyzeDurationMicros, maxDecodeTime);
    }

    public MediaLimits withMaxDurationSeconds(double seconds) {
        return new MediaLimits(maxBytes, seconds, maxWidth, maxHeight, probeSizeBytes,
                maxAnalyzeDurationMicros, maxDecodeTime);
    }

    public MediaLimits withMaxSize(int width, int height) {
        return new MediaLimits(maxBytes, maxDurationSeconds, width, height, probeSizeBytes,
                maxAnalyzeDurationMicros, maxDecodeTime);
    }

    public MediaLimits withProbeSizeBytes(long bytes) {
        return new MediaLimits(maxBytes, maxDurationSeconds, maxWidth, maxHeight, bytes,
                maxAnalyzeDurationMicros, maxDecodeTime);
    }

    public MediaLimits withMaxDecodeTime(Duration time) {
        return new MediaLimits(maxBytes, maxDurationSeconds, maxWidth, maxHeight, probeSizeBytes,
                maxAnalyzeDurationMicros, time);
    }
}
