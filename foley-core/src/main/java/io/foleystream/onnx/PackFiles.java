package io.foleystream.onnx;

import io.foleystream.onnx.PackManifest.PackFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The file checks every pack format shares (model packs and eval packs): a file listed in pack.json must lie
 * inside the pack folder, exist, and have the sha256 that pack.json gives.
 */
public final class PackFiles {

    private static final String MANIFEST_FILE = "pack.json";

    private PackFiles() {
    }

    /**
     * The path of a pack.json {@code files.<key>} entry, after checking it and its external data (if any).
     *
     * @throws PackException naming the file: missing, outside the folder, or a different sha256
     */
    public static Path verified(Path directory, String key, PackFile file) {
        Path path = verifiedFile(directory, key, file.path(), file.sha256());
        if (file.externalData() != null) {
            verifiedFile(directory, key, file.externalData().path(), file.externalData().sha256());
        }
        return path;
    }

    private static Path verifiedFile(Path directory, String key, String relative, String sha256) {
        Path path = resolveInside(directory, relative);
        if (!Files.isRegularFile(path)) {
            throw new PackException(relative + ": missing (pack.json files." + key + ")");
        }
        String actual = sha256(path);
        if (!actual.equalsIgnoreCase(String.valueOf(sha256))) {
            throw new PackException(relative + ": sha256 is " + actual + ", pack.json says " + sha256);
        }
        return path;
    }

    /** A pack.json path must stay inside the pack folder: "../" or absolute paths are refused. */
    static Path resolveInside(Path directory, String relative) {
        if (relative == null || relative.isBlank()) {
            throw new PackException(MANIFEST_FILE + ": a files entry has no path");
        }
        Path root = directory.toAbsolutePath().normalize();
        Path resolved = root.resolve(relative).normalize();
        if (!resolved.startsWith(root) || Path.of(relative).isAbsolute()) {
            throw new PackException(relative + ": path leaves the pack folder");
        }
        return resolved;
    }

    /** The hex sha256 of a file: how pack.json names its files, and how a pack as a whole is named by its pack.json. */
    public static String sha256(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 20];
            for (int read; (read = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, read);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new PackException(path.getFileName() + ": cannot read: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
