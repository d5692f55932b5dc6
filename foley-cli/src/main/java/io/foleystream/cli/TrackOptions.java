package io.foleystream.cli;

import io.foleystream.dsp.TruePeakLimiter;
import picocli.CommandLine.Option;

/** How a command that writes a track writes it: the limiter's ceiling and the WAV file's sample depth. */
final class TrackOptions {

    @Option(names = "--ceiling", paramLabel = "DBTP", defaultValue = "-1.0",
            description = "true-peak ceiling of the track's limiter, in dBTP, at most 0 (default: ${DEFAULT-VALUE})")
    double ceilingDbtp;

    @Option(names = "--bits", defaultValue = "16", description = "sample depth of the WAV file, 16 or 24 (default: ${DEFAULT-VALUE})")
    int bits;

    TruePeakLimiter.Settings limiter() {
        if (!(ceilingDbtp <= 0)) {
            throw new Foley.CliException(Foley.BAD_INPUT, "--ceiling must be at most 0 dBTP, got " + ceilingDbtp);
        }
        return TruePeakLimiter.Settings.DEFAULT.withCeiling(ceilingDbtp);
    }

    int bits() {
        if (bits != 16 && bits != 24) {
            throw new Foley.CliException(Foley.BAD_INPUT, "--bits must be 16 or 24, got " + bits);
        }
        return bits;
    }
}
