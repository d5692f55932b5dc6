package io.foleystream;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FoleyVersionTest {

    /** The build filters the project version in: an unfiltered resource would still say ${project.version}. */
    @Test
    void isTheProjectVersionTheBuildWroteIn() {
        assertThat(FoleyVersion.current()).isEqualTo(System.getProperty("foley.project.version"))
                .matches("\\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
    }
}
