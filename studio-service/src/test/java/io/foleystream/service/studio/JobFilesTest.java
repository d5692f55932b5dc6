package io.foleystream.service.studio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobFilesTest {

    @TempDir
    Path root;

    @Test
    void keepsTheNewestJobsAndTheOneJustEnded() throws Exception {
        JobFiles files = new JobFiles(root, 2);
        for (String job : List.of("old", "middle", "new", "ended")) {
            Files.createDirectories(files.folder(job));
            Files.writeString(files.upload(job), job);
        }
        Files.setLastModifiedTime(files.folder("old"), FileTime.fromMillis(1000));
        Files.setLastModifiedTime(files.folder("middle"), FileTime.fromMillis(2000));
        Files.setLastModifiedTime(files.folder("new"), FileTime.fromMillis(3000));
        Files.setLastModifiedTime(files.folder("ended"), FileTime.fromMillis(500)); // old, but just ended

        files.retain("ended");

        assertThat(Files.exists(files.folder("ended"))).isTrue();
        assertThat(Files.exists(files.folder("new"))).isTrue();
        assertThat(Files.exists(files.folder("middle"))).isFalse();
        assertThat(Files.exists(files.folder("old"))).isFalse();
    }

    @Test
    void remembersAJobsOriginAndRefusesAPathAsAJobId() throws Exception {
        JobFiles files = new JobFiles(root, 2);
        UploadOptions options = new UploadOptions("clip.mp4", 5L, "sticks", null, 7L, null, null, null, null, null,
                null, null, null);

        files.writeOrigin(new JobFiles.Origin("job-1", options, "video/mp4", 3, 4));

        assertThat(files.origin("job-1")).contains(new JobFiles.Origin("job-1", options, "video/mp4", 3, 4));
        assertThat(files.origin("job-2")).isEmpty();
        assertThatThrownBy(() -> files.folder("../etc")).isInstanceOf(IllegalArgumentException.class);
    }
}
