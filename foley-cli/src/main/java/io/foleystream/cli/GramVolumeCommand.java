package io.foleystream.cli;

import io.foleystream.gram.Gram;
import io.foleystream.gram.NpyFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code foley gram-volume}: GRAM volumes of row-aligned embedding matrices, one volume per row. */
@Command(name = "gram-volume",
        description = {
            "Print the GRAM volume sqrt(|det G|) of each row's embeddings, one line per row: row i of every file "
                    + "is one modality of item i (for example text, video and audio of one clip).",
            "Each embedding is L2-normalised first; smaller volumes mean better aligned modalities."},
        footer = "Each FILE is a numpy .npy array, float32 or float64, N x D (or a single vector of D); "
                + "all files need the same N and D.")
final class GramVolumeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "2..5", paramLabel = "FILE", description = "2 to 5 .npy embedding matrices, one per modality")
    List<Path> files;

    @Override
    public Integer call() throws IOException {
        float[][][] modalities = new float[files.size()][][];
        for (int m = 0; m < files.size(); m++) {
            modalities[m] = read(files.get(m));
        }
        float[][] first = modalities[0];
        for (int m = 1; m < modalities.length; m++) {
            float[][] other = modalities[m];
            if (other.length != first.length || other[0].length != first[0].length) {
                throw new Foley.CliException(Foley.BAD_INPUT, files.get(m).getFileName() + " is " + other.length
                        + "x" + other[0].length + ", " + files.get(0).getFileName() + " is " + first.length + "x"
                        + first[0].length + ": the files must be row-aligned and of one dimension");
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        float[][] row = new float[modalities.length][];
        for (int i = 0; i < first.length; i++) {
            for (int m = 0; m < modalities.length; m++) {
                row[m] = modalities[m][i];
            }
            out.println(String.format(Locale.ROOT, "%.8f", Gram.volume(row)));
        }
        out.flush();
        return Foley.OK;
    }

    private static float[][] read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new Foley.CliException(Foley.BAD_INPUT, "no such file: " + file);
        }
        float[][] matrix;
        try {
            matrix = NpyFile.readRows(file);
        } catch (IllegalArgumentException e) {
            throw new Foley.CliException(Foley.BAD_INPUT, e.getMessage());
        }
        if (matrix.length == 0 || matrix[0].length == 0) {
            throw new Foley.CliException(Foley.BAD_INPUT, file.getFileName() + " holds no embeddings");
        }
        return matrix;
    }
}
