package io.foleystream.cli;

import io.foleystream.media.MediaException;
import io.foleystream.media.MediaLimits;
import io.foleystream.media.MediaProbe;
import io.foleystream.media.UploadSpool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code foley probe}: what an upload contains, read through the same safe path envelope-service uses. */
@Command(name = "probe",
        description = "Print what FILE contains as one JSON object: container, duration, video and audio streams.")
final class ProbeCommand implements Callable<Integer> {

    @Parameters(paramLabel = "FILE", description = "video file")
    Path file;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(file)) {
            throw new Foley.CliException(Foley.BAD_INPUT, "no such file: " + file);
        }
        try (UploadSpool spool = UploadSpool.ofFile(file)) {
            System.out.println(MediaProbe.probe(spool, MediaLimits.defaults()).toJson());
        } catch (MediaException e) {
            throw EnvelopeCommand.asCliError(file, e);
        }
        return Foley.OK;
    }
}
