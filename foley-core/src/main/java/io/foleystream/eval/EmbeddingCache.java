package io.foleystream.eval;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * An {@link EvalPack}'s scores of audio clips, kept on disk under the sha256 of the clip's samples and rate, in a
 * folder named by the eval pack's sha256. Nothing is keyed by a file or folder name, so a changed clip or another
 * embedding model never reads a stale entry (the trap of caches keyed by path); an entry is written to a temporary
 * file and moved into place, so a killed run leaves none half written.
 */
public final class EmbeddingCache {

    private static final int FORMAT = 1;
    /** Longer than any embedding or label list; a damaged length is refused, not allocated. */
    private static final int MAX_ARRAY = 1 << 16;

    private final EvalPack pack;
    private final Path folder;
    private int hits;
    private int misses;

    /** @param root where caches live; this pack's entries go to {@code root/<pack sha256>/} */
    public EmbeddingCache(EvalPack pack, Path root) {
        this.pack = pack;
        this.folder = root.resolve(pack.sha256());
    }

    public EvalPack pack() {
        return pack;
    }

    /** The scores of every clip, from the cache where present; the others are scored together and stored. */
    public List<EvalPack.AudioScores> scoreAll(List<float[]> clips, int sampleRate) {
        List<EvalPack.AudioScores> scores = new ArrayList<>(clips.size());
        List<Integer> missing = new ArrayList<>();
        List<String> keys = new ArrayList<>(clips.size());
        for (int i = 0; i < clips.size(); i++) {
            String key = key(clips.get(i), sampleRate);
            keys.add(key);
            EvalPack.AudioScores cached = read(folder.resolve(key));
            scores.add(cached);
            if (cached == null) {
                missing.add(i);
            }
        }
        hits += clips.size() - missing.size();
        misses += missing.size();
        if (!missing.isEmpty()) {
            List<EvalPack.AudioScores> fresh = pack.scoreAll(missing.stream().map(clips::get).toList(), sampleRate);
            for (int k = 0; k < missing.size(); k++) {
                int i = missing.get(k);
                scores.set(i, fresh.get(k));
                write(folder.resolve(keys.get(i)), fresh.get(k));
            }
        }
        return scores;
    }

    /** Clips found in the cache so far. */
    public int hits() {
        return hits;
    }

    /** Clips scored by the pack so far. */
    public int misses() {
        return misses;
    }

    static String key(float[] clip, int sampleRate) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            ByteBuffer bytes = ByteBuffer.allocate(Float.BYTES * clip.length + Integer.BYTES)
                    .order(ByteOrder.LITTLE_ENDIAN);
            bytes.putInt(sampleRate);
            for (float sample : clip) {
                bytes.putFloat(sample);
            }
            return HexFormat.of().formatHex(digest.digest(bytes.array()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static EvalPack.AudioScores read(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try (DataInputStream in = new DataInputStream(Files.newInputStream(file))) {
            if (in.readInt() != FORMAT) {
                return null;
            }
            float[] material = readArray(in);
            float[] action = readArray(in);
            int materialIndex = in.readInt();
            int actionIndex = in.readInt();
            return new EvalPack.AudioScores(material, action, materialIndex, actionIndex, readArray(in),
                    readArray(in));
        } catch (IOException e) {
            return null; // unreadable: scored again and rewritten
        }
    }

    private void write(Path file, EvalPack.AudioScores scores) {
        try {
            Files.createDirectories(folder);
            Path partial = Files.createTempFile(folder, "entry", ".partial");
            try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(partial))) {
                out.writeInt(FORMAT);
                writeArray(out, scores.materialProbabilities());
                writeArray(out, scores.actionProbabilities());
                out.writeInt(scores.material());
                out.writeInt(scores.action());
                writeArray(out, scores.embedding());
                writeArray(out, scores.clapEmbedding());
            }
            Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the embedding cache in " + folder, e);
        }
    }

    private static float[] readArray(DataInputStream in) throws IOException {
        int length = in.readInt();
        if (length < 0 || length > MAX_ARRAY) {
            throw new IOException("not an entry: an array of " + length);
        }
        float[] values = new float[length];
        for (int i = 0; i < values.length; i++) {
            values[i] = in.readFloat();
        }
        return values;
    }

    private static void writeArray(DataOutputStream out, float[] values) throws IOException {
        out.writeInt(values.length);
        for (float value : values) {
            out.writeFloat(value);
        }
    }
}
