package io.foleystream.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnknownFieldSet;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.util.HexFormat;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in OpenTelemetry collector for tests: takes OTLP/HTTP trace exports ({@code POST /v1/traces},
 * {@code application/x-protobuf}) and keeps each span's service, ids, name and string attributes. It reads the
 * protobuf by field number (opentelemetry-proto's trace.proto), so the test shares no code with the exporter.
 */
final class SpanCollector implements AutoCloseable {

    /** One exported span; parentSpanId is empty for a root. */
    record Span(String service, String traceId, String spanId, String parentSpanId, String name,
                Map<String, String> attributes) {
    }

    private final List<Span> spans = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    SpanCollector() throws IOException {
        server = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        server.createContext("/", exchange -> {
            try (InputStream body = exchange.getRequestBody()) {
                spans.addAll(parse(body.readAllBytes()));
                exchange.sendResponseHeaders(200, -1);
            } catch (InvalidProtocolBufferException e) {
                exchange.sendResponseHeaders(400, -1);
            } finally {
                exchange.close();
            }
        });
        server.start();
    }

    /** The endpoint to give the exporter, e.g. {@code http://localhost:41234}. */
    String endpoint() {
        return "http://localhost:" + server.getAddress().getPort();
    }

    List<Span> spans() {
        return List.copyOf(spans);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /** ExportTraceServiceRequest: resource_spans = 1; ResourceSpans: resource = 1, scope_spans = 2; ScopeSpans: spans = 2. */
    static List<Span> parse(byte[] request) throws InvalidProtocolBufferException {
        List<Span> parsed = new java.util.ArrayList<>();
        for (UnknownFieldSet resourceSpans : messages(UnknownFieldSet.parseFrom(request), 1)) {
            String service = "";
            for (UnknownFieldSet resource : messages(resourceSpans, 1)) {
                service = attributes(resource, 1).getOrDefault("service.name", "");
            }
            for (UnknownFieldSet scopeSpans : messages(resourceSpans, 2)) {
                for (UnknownFieldSet span : messages(scopeSpans, 2)) {
                    // Span: trace_id = 1, span_id = 2, parent_span_id = 4, name = 5, attributes = 9
                    parsed.add(new Span(service, hex(span, 1), hex(span, 2), hex(span, 4), text(span, 5),
                            attributes(span, 9)));
                }
            }
        }
        return parsed;
    }

    private static List<UnknownFieldSet> messages(UnknownFieldSet message, int field)
            throws InvalidProtocolBufferException {
        List<UnknownFieldSet> messages = new java.util.ArrayList<>();
        if (message.hasField(field)) {
            for (ByteString bytes : message.getField(field).getLengthDelimitedList()) {
                messages.add(UnknownFieldSet.parseFrom(bytes));
            }
        }
        return messages;
    }

    /** KeyValue: key = 1, value = 2 (AnyValue: string_value = 1); values of other types are left out. */
    private static Map<String, String> attributes(UnknownFieldSet message, int field)
            throws InvalidProtocolBufferException {
        Map<String, String> attributes = new HashMap<>();
        for (UnknownFieldSet keyValue : messages(message, field)) {
            for (UnknownFieldSet value : messages(keyValue, 2)) {
                if (value.hasField(1)) {
                    attributes.put(text(keyValue, 1), text(value, 1));
                }
            }
        }
        return attributes;
    }

    private static String text(UnknownFieldSet message, int field) {
        return message.hasField(field) ? message.getField(field).getLengthDelimitedList().get(0).toStringUtf8() : "";
    }

    private static String hex(UnknownFieldSet message, int field) {
        return message.hasField(field)
                ? HexFormat.of().formatHex(message.getField(field).getLengthDelimitedList().get(0).toByteArray()) : "";
    }
}
