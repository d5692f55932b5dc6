package io.foleystream.onnx;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The packs a service holds, by "name@version": several versions side by side, so a job can ask for the one it
 * was made with while new jobs use the newest. The first pack configured is the default.
 *
 * <p>A job selects a pack by {@code ""} (the default), {@code "name"} (the highest version of that name) or
 * {@code "name@version"} (exactly that one).
 *
 * @param <T> what is held per pack: its manifest, or the loaded {@link ModelPack}
 */
public final class PackRegistry<T> implements AutoCloseable {

    private final Map<String, T> byId;
    private final Map<String, PackManifest> manifests;

    private PackRegistry(Map<String, T> byId, Map<String, PackManifest> manifests) {
        if (byId.isEmpty()) {
            throw new PackException("no model pack configured");
        }
        this.byId = byId;
        this.manifests = manifests;
    }

    /** The manifests only, for services that need a pack's settings but run none of its models. */
    public static PackRegistry<PackManifest> manifests(List<Path> directories) {
        return build(directories, dir -> PackManifest.read(dir.resolve(ModelPack.MANIFEST_FILE)), m -> m);
    }

    /** Loads every pack (verifying each), opening sessions for {@code components} only. */
    public static PackRegistry<ModelPack> models(List<Path> directories, RuntimeOptions options,
                                                 Set<PackComponent> components) {
        List<ModelPack> loaded = new ArrayList<>();
        try {
            return build(directories, dir -> {
                ModelPack pack = ModelPack.load(dir, options, components);
                loaded.add(pack);
                return pack;
            }, ModelPack::manifest);
        } catch (RuntimeException e) {
            loaded.forEach(ModelPack::close);
            throw e;
        }
    }

    private static <T> PackRegistry<T> build(List<Path> directories, Function<Path, T> open,
                                             Function<T, PackManifest> manifestOf) {
        Map<String, T> byId = new LinkedHashMap<>();
        Map<String, PackManifest> manifests = new LinkedHashMap<>();
        for (Path directory : directories) {
            T pack = open.apply(directory);
            PackManifest manifest = manifestOf.apply(pack);
            if (byId.putIfAbsent(manifest.id(), pack) != null) {
                throw new PackException(directory + ": pack " + manifest.id() + " is configured twice");
            }
            manifests.put(manifest.id(), manifest);
        }
        return new PackRegistry<>(byId, manifests);
    }

    /** @throws PackException naming the packs held, when none matches */
    public T resolve(String selector) {
        if (selector == null || selector.isBlank()) {
            return byId.values().iterator().next();
        }
        if (selector.contains("@")) {
            T exact = byId.get(selector);
            if (exact == null) {
                throw unknown(selector);
            }
            return exact;
        }
        return manifests.entrySet().stream()
                .filter(e -> e.getValue().name().equals(selector))
                .max(Comparator.comparing(e -> e.getValue().version(), PackRegistry::compareVersions))
                .map(e -> byId.get(e.getKey()))
                .orElseThrow(() -> unknown(selector));
    }

    public T defaultPack() {
        return resolve("");
    }

    /** "name@version" of every pack held, the default first. */
    public List<String> ids() {
        return List.copyOf(byId.keySet());
    }

    public Collection<T> all() {
        return byId.values();
    }

    @Override
    public void close() {
        byId.values().stream().filter(AutoCloseable.class::isInstance).map(AutoCloseable.class::cast).forEach(c -> {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing a pack failed", e);
            }
        });
    }

    private PackException unknown(String selector) {
        return new PackException("unknown model pack '" + selector + "' (this service holds " + ids() + ")");
    }

    /** Numeric parts compare as numbers ("1.10.0" after "1.9.2"); others as text. */
    static int compareVersions(String a, String b) {
        String[] left = a.split("[.\\-]");
        String[] right = b.split("[.\\-]");
        for (int i = 0; i < Math.max(left.length, right.length); i++) {
            String l = i < left.length ? left[i] : "0";
            String r = i < right.length ? right[i] : "0";
            int order = l.matches("\\d+") && r.matches("\\d+")
                    ? Long.compare(Long.parseLong(l), Long.parseLong(r)) : l.compareTo(r);
            if (order != 0) {
                return order;
            }
        }
        return 0;
    }
}
