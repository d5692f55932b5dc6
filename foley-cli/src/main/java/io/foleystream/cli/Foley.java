package io.foleystream.cli;

import io.foleystream.media.MediaException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code foley} command. Exit codes: 0 done, 1 internal error, 2 bad input or usage, 3 {@code topics apply} found
 * topics that differ from their spec.
 */
// INHERIT: every subcommand answers --help/-h (and --version) with its usage, whatever else is missing
@Command(name = "foley", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, versionProvider = Foley.Version.class,
        description = "Automatic Foley for video: streams an upload through FoleyStream and writes the sound.",
        subcommands = {RunCommand.class, GenerateCommand.class, UpCommand.class, DownCommand.class, SubmitCommand.class,
                StatusCommand.class, ProbeCommand.class, EnvelopeCommand.class, FbankCommand.class,
                GramVolumeCommand.class, DistanceCommand.Fad.class, DistanceCommand.Kad.class, ReplayCommand.class,
                EvalCommand.class, TopicsCommand.class})
public final class Foley implements Callable<Integer> {

    public static final int OK = 0;
    public static final int INTERNAL_ERROR = 1;
    public static final int BAD_INPUT = 2;
    /** The cluster's topics differ from the specs in a way {@code topics apply} leaves to an operator. */
    public static final int DRIFT = 3;

    /** Default broker port of the local cluster; services listen on the ports above it. */
    static final int DEFAULT_BASE_PORT = 19092;

    @Override
    public Integer call() {
        CommandLine.usage(this, System.err);
        return BAD_INPUT;
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code; errors are one line on stderr. */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Foley());
        cli.setExitCodeExceptionMapper(Foley::exitCode);
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("foley: " + oneLine(e));
            return commandLine.getExitCodeExceptionMapper().getExitCode(e);
        });
        cli.setParameterExceptionHandler((e, args1) -> {
            e.getCommandLine().getErr().println("foley: " + e.getMessage()
                    + " (see foley " + e.getCommandLine().getCommandName() + " --help)");
            return BAD_INPUT;
        });
        return cli.execute(args);
    }

    /** A refused upload or argument is the user's to fix (2); anything else is ours (1). */
    private static int exitCode(Throwable e) {
        if (e instanceof CliException c) {
            return c.exitCode();
        }
        if (e instanceof MediaException m && m.kind() == MediaException.Kind.BAD_INPUT) {
            return BAD_INPUT;
        }
        return INTERNAL_ERROR;
    }

    /** The repository or installation root: where the service builds and model packs are. */
    static Path home() {
        return Path.of(System.getProperty("foley.home", ".")).toAbsolutePath().normalize();
    }

    /** Where the local cluster keeps its broker data, logs and state. */
    static Path stateDir() {
        return home().resolve(".foley");
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replaceAll("\\s*\\R\\s*", " ");
    }

    /** {@code --version}: the version the build gave foley-core. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"foley " + io.foleystream.FoleyVersion.current()};
        }
    }

    /** An error that decides the exit code. */
    static final class CliException extends RuntimeException {
        private final int exitCode;

        CliException(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }

        int exitCode() {
            return exitCode;
        }
    }
}
