package io.foleystream.service.studio;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.foleystream.diffusion.Samplers;
import io.foleystream.envelope.EnvelopeSpec;
import io.foleystream.proto.v1.JobStatus;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The studio: a web page (served from {@code META-INF/resources}) where a person uploads a video, follows its job
 * and compares the original sound with the Foley on the same picture, and this API behind it.
 *
 * <p>It is a service of its own rather than a part of envelope-service (the other front door) because it is a
 * client of the pipeline, as the CLI and a platform are: it submits over Kafka and reads statuses and audio back
 * like any of them, holds no model, and scales with the people using it (open pages, uploads, track downloads)
 * where the pipeline's services scale with GPU work. A busy studio must never slow a stage, nor a stage's rollout
 * take the page down.
 *
 * <p>Vert.x routes rather than a REST framework: an upload part is a raw body handed on to Kafka, and the events
 * are written to the response as they come; both are a few lines on the router the service already has. When
 * {@code foley.auth.enabled} is true, {@code /api/*} needs a bearer JWT (HTTP permissions in the configuration),
 * as the gRPC ingest does; the page and {@code /q/health} stay open.
 */
@ApplicationScoped
public class StudioApi {

    private static final Logger LOG = Logger.getLogger(StudioApi.class);
    private static final long KEEP_ALIVE_MS = 15_000;

    private final StudioUploads uploads;
    private final StatusBoard board;
    private final StudioTracks tracks;
    private final JobFiles files;
    private final ObjectMapper json;
    private final boolean authEnabled;

    StudioApi(StudioUploads uploads, StatusBoard board, StudioTracks tracks, JobFiles files, ObjectMapper json,
              @ConfigProperty(name = "foley.auth.enabled") boolean authEnabled) {
        this.uploads = uploads;
        this.board = board;
        this.tracks = tracks;
        this.files = files;
        this.json = json;
        this.authEnabled = authEnabled;
    }

    void routes(@Observes Router router) {
        router.get("/api/config").handler(ctx -> sendJson(ctx, 200, Map.of(
                "maxBytes", uploads.maxBytes(), "partBytes", StudioUploads.MAX_PART_BYTES,
                "authEnabled", authEnabled, "samplers", Samplers.names(), "envelopePresets", EnvelopeSpec.PRESETS)));
        router.post("/api/uploads").handler(BodyHandler.create(false).setBodyLimit(64 * 1024))
                .blockingHandler(this::startUpload, false);
        router.put("/api/uploads/:id").handler(BodyHandler.create(false).setBodyLimit(StudioUploads.MAX_PART_BYTES))
                .blockingHandler(this::appendPart, false);
        router.get("/api/jobs").handler(ctx -> sendJson(ctx, 200,
                board.jobs().stream().map(JobView::of).toList()));
        router.get("/api/jobs/:id").blockingHandler(this::job, false);
        router.post("/api/jobs/:id/rerun").handler(BodyHandler.create(false).setBodyLimit(64 * 1024))
                .blockingHandler(this::rerun, false);
        router.get("/api/jobs/:id/events").handler(this::events);
        router.get("/api/jobs/:id/audio.wav").blockingHandler(this::audio, false);
        router.get("/api/jobs/:id/video").blockingHandler(this::video, false);
        router.get("/api/jobs/:id/foley.mp4").blockingHandler(this::mp4, false);
        router.get("/api/jobs/:id/envelopes.json").blockingHandler(this::envelopes, false);
    }

    private void startUpload(RoutingContext ctx) {
        handle(ctx, () -> {
            UploadOptions options = json.readValue(ctx.body().asString(), UploadOptions.class);
            String contentType = Optional.ofNullable(ctx.request().getHeader("X-Upload-Content-Type"))
                    .filter(type -> type.startsWith("video/") || type.startsWith("audio/")).orElse("video/mp4");
            String jobId = uploads.start(options, contentType);
            sendJson(ctx, 201, Map.of("jobId", jobId, "partBytes", StudioUploads.MAX_PART_BYTES));
        });
    }

    private void appendPart(RoutingContext ctx) {
        handle(ctx, () -> {
            long offset = Long.parseLong(ctx.queryParam("offset").stream().findFirst().orElse("0"));
            boolean last = ctx.queryParam("last").contains("true");
            long received = uploads.append(ctx.pathParam("id"), offset, ctx.body().buffer().getBytes(), last);
            sendJson(ctx, 200, Map.of("received", received));
        });
    }

    private void rerun(RoutingContext ctx) {
        handle(ctx, () -> {
            UploadOptions options = json.readValue(ctx.body().asString(), UploadOptions.class);
            sendJson(ctx, 201, Map.of("jobId", uploads.rerun(ctx.pathParam("id"), options)));
        });
    }

    private void job(RoutingContext ctx) {
        handle(ctx, () -> {
            String jobId = ctx.pathParam("id");
            Optional<JobStatus> status = board.job(jobId);
            Optional<JobFiles.Origin> origin = files.origin(jobId);
            if (status.isEmpty() && origin.isEmpty()) {
                throw new StudioUploads.Refused(404, "no job " + jobId);
            }
            Map<String, Object> job = new LinkedHashMap<>();
            job.put("jobId", jobId);
            job.put("status", status.map(JobView::of).orElse(null));
            job.put("options", origin.map(JobFiles.Origin::options).orElse(null));
            job.put("hasVideo", Files.exists(files.upload(jobId)));
            sendJson(ctx, 200, job);
        });
    }

    /** Server-sent events: the job's latest status at once, then each new one as the status board reads it. */
    private void events(RoutingContext ctx) {
        String jobId = ctx.pathParam("id");
        HttpServerResponse response = ctx.response()
                .setChunked(true)
                .putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache");
        Context context = ctx.vertx().getOrCreateContext();
        response.write(": following job " + jobId + "\n\n");
        // listening first: a status that comes meanwhile is sent twice rather than lost
        Runnable stop = board.listen(jobId, status -> context.runOnContext(ignored -> writeEvent(response, status)));
        board.job(jobId).ifPresent(status -> writeEvent(response, status));
        long keepAlive = ctx.vertx().setPeriodic(KEEP_ALIVE_MS, timer -> {
            if (!response.closed()) {
                response.write(": keep-alive\n\n");
            }
        });
        response.closeHandler(closed -> {
            stop.run();
            ctx.vertx().cancelTimer(keepAlive);
        });
    }

    private void writeEvent(HttpServerResponse response, JobStatus status) {
        if (response.closed() || response.ended()) {
            return;
        }
        try {
            response.write(HttpBits.eventFrame("status", json.writeValueAsString(JobView.of(status))));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a job view always serialises", e);
        }
    }

    /** The track so far (playable before the job ends) or complete; a download with {@code ?download}. */
    private void audio(RoutingContext ctx) {
        handle(ctx, () -> {
            String jobId = ctx.pathParam("id");
            StudioTracks.Track track = tracks.track(jobId)
                    .orElseThrow(() -> new StudioUploads.Refused(404, "no audio of job " + jobId + " yet"));
            ctx.response().putHeader("X-Track-Complete", String.valueOf(track.complete()));
            if (!ctx.queryParam("download").isEmpty()) {
                ctx.response().putHeader("Content-Disposition", "attachment; filename=\"" + jobId + ".foley.wav\"");
            }
            if (track.complete()) {
                sendFile(ctx, track.file(), "audio/wav");
            } else {
                ctx.response().putHeader("Cache-Control", "no-store");
                sendFile(ctx, track.file(), "audio/wav").onComplete(sent -> deleteQuietly(track.file()));
            }
        });
    }

    private void video(RoutingContext ctx) {
        handle(ctx, () -> {
            String jobId = ctx.pathParam("id");
            Path upload = files.upload(jobId);
            if (!Files.exists(upload)) {
                throw new StudioUploads.Refused(404, "the upload of job " + jobId + " is not kept here");
            }
            sendFile(ctx, upload, files.origin(jobId).map(JobFiles.Origin::contentType).orElse("video/mp4"));
        });
    }

    /** The upload with the Foley as its sound, as a download. */
    private void mp4(RoutingContext ctx) {
        handle(ctx, () -> {
            String jobId = ctx.pathParam("id");
            Path mp4;
            try {
                mp4 = tracks.mp4(jobId).orElseThrow(() ->
                        new StudioUploads.Refused(409, "job " + jobId + " has not completed: no MP4 yet"));
            } catch (IllegalStateException notHere) {
                throw new StudioUploads.Refused(404, notHere.getMessage());
            }
            ctx.response().putHeader("Content-Disposition", "attachment; filename=\"" + jobId + ".foley.mp4\"");
            sendFile(ctx, mp4, "video/mp4");
        });
    }

    private void envelopes(RoutingContext ctx) {
        handle(ctx, () -> {
            String jobId = ctx.pathParam("id");
            sendJson(ctx, 200, tracks.envelopes(jobId).orElseThrow(() ->
                    new StudioUploads.Refused(409, "job " + jobId + " has not completed: no envelopes yet")));
        });
    }

    /** The file, or the one byte range asked for (a video element seeks with ranges). */
    private io.vertx.core.Future<Void> sendFile(RoutingContext ctx, Path file, String contentType) throws IOException {
        long size = Files.size(file);
        HttpServerResponse response = ctx.response()
                .putHeader("Content-Type", contentType)
                .putHeader("Accept-Ranges", "bytes");
        Optional<HttpBits.ByteRange> range;
        try {
            range = HttpBits.range(ctx.request().getHeader("Range"), size);
        } catch (IllegalArgumentException outside) {
            response.putHeader("Content-Range", "bytes */" + size).setStatusCode(416);
            return response.end();
        }
        if (range.isEmpty()) {
            return response.sendFile(file.toString());
        }
        HttpBits.ByteRange bytes = range.get();
        return response.setStatusCode(206)
                .putHeader("Content-Range", "bytes " + bytes.first() + "-" + bytes.last() + "/" + size)
                .sendFile(file.toString(), bytes.first(), bytes.length());
    }

    private interface Work {
        void run() throws Exception;
    }

    /** Runs a request's work; a refusal becomes its status and sentence, anything else a 500 that is logged. */
    private void handle(RoutingContext ctx, Work work) {
        try {
            work.run();
        } catch (StudioUploads.Refused e) {
            sendJson(ctx, e.httpStatus(), Map.of("error", e.getMessage()));
        } catch (IllegalArgumentException | JsonProcessingException e) {
            sendJson(ctx, 400, Map.of("error", e.getMessage()));
        } catch (Exception e) {
            LOG.error("request " + ctx.request().method() + " " + ctx.request().path() + " failed", e);
            sendJson(ctx, 500, Map.of("error", "internal error: " + e.getMessage()));
        }
    }

    private void sendJson(RoutingContext ctx, int status, Object body) {
        try {
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(json.writeValueAsString(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the studio's replies always serialise", e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warnf("could not delete %s: %s", file, e.getMessage());
        }
    }
}
