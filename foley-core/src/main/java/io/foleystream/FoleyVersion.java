package io.foleystream;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The FoleyStream version this code was built as (the Maven project version), as CLI and evaluation runs report it. */
public final class FoleyVersion {

    private static final String VERSION = read();

    private FoleyVersion() {
    }

    public static String current() {
        return VERSION;
    }

    private static String read() {
        try (InputStream in = FoleyVersion.class.getResourceAsStream("version.properties")) {
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException("version.properties is part of foley-core's jar", e);
        }
    }
}
