package io.foleystream.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** {@code ./foley generate} and {@code ./foley replay} open a pack as the services do, so a job gives the cluster's track. */
class ServicePacksTest {

    private static final Path HOME = Path.of(System.getProperty("foley.home", "..")).toAbsolutePath().normalize();

    @Test
    void encodesAndGeneratesWithTheServicesDefaultThreads() throws IOException {
        assertThat(ServicePacks.ENCODER_THREADS).isEqualTo(defaultThreads("encoder-service"));
        assertThat(ServicePacks.GENERATOR_THREADS).isEqualTo(defaultThreads("generator-service"));
    }

    private static int defaultThreads(String service) throws IOException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(HOME.resolve(service + "/src/main/resources/application.properties"))) {
            properties.load(in);
        }
        return Integer.parseInt(properties.getProperty("foley.onnx.threads"));
    }
}
