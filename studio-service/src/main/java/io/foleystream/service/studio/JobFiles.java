package io.foleystream.service.studio;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The studio's files per job under {@code foley.work.dir}: the upload as it arrived (the page plays it), what the
 * studio knows of the job's origin, and its assembled track once complete. Retention is by count: when an upload
 * ends, all but the newest {@code foley.studio.keep-jobs} job folders are deleted.
 */
@ApplicationScoped
public class JobFiles {

    /** How the studio submitted a job: its options (for a re-run) and where its records begin on each topic. */
    public record Origin(String jobId, UploadOptions options, String contentType, long windowsOffset,
                         long audioOffset) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final int keepJobs;

    JobFiles(@ConfigProperty(name = "foley.work.dir") Path root, @ConfigProperty(name = "foley.studio.keep-jobs") int keepJobs) {
        this.root = root;
        this.keepJobs = keepJobs;
    }

    public Path folder(String jobId) {
        if (!jobId.matches("[A-Za-z0-9-]{1,64}")) {
            throw new IllegalArgumentException("not a job id: " + jobId);
        }
        return root.resolve(jobId);
    }

    public Path upload(String jobId) {
        return folder(jobId).resolve("upload");
    }

    /** The complete track, once assembled; absent before. */
    public Path completeTrack(String jobId) {
        return folder(jobId).resolve("track.wav");
    }

    public void writeOrigin(Origin origin) throws IOException {
        Files.createDirectories(folder(origin.jobId()));
        JSON.writeValue(folder(origin.jobId()).resolve("origin.json").toFile(), origin);
    }

    /** The origin of a job this studio submitted (and still keeps); empty for others. */
    public Optional<Origin> origin(String jobId) {
        Path file = folder(jobId).resolve("origin.json");
        try {
            return Files.exists(file) ? Optional.of(JSON.readValue(file.toFile(), Origin.class)) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Deletes all but the newest {@code keep-jobs} job folders, {@code keep} among the kept whatever its age. */
    public void retain(String keep) throws IOException {
        if (!Files.isDirectory(root)) {
            return;
        }
        List<Path> folders;
        try (Stream<Path> list = Files.list(root)) {
            folders = list.filter(Files::isDirectory).filter(folder -> !folder.getFileName().toString().equals(keep))
                    .sorted(Comparator.comparingLong(JobFiles::modified).reversed()).toList();
        }
        for (Path old : folders.subList(Math.min(folders.size(), Math.max(0, keepJobs - 1)), folders.size())) {
            deleteTree(old);
        }
    }

    private static long modified(Path folder) {
        try {
            return Files.getLastModifiedTime(folder).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    static void deleteTree(Path folder) throws IOException {
        try (Stream<Path> walk = Files.walk(folder)) {
            for (Path path : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
