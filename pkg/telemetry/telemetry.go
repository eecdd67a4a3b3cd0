// Package telemetry sets up tracing and logging for one Unimesh service.
//
// Nothing here touches OpenTelemetry's global providers: each service gets
// its own TracerProvider (so that in the single binary every service still
// reports under its own service.name) and passes it explicitly to otelgrpc
// and otelhttp.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// Version is reported as service.version.
const Version = "0.1.0"

// Propagator is the W3C trace-context and baggage propagator every hop uses.
func Propagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
}

// Tracing holds one service's tracer provider.
type Tracing struct {
	Provider trace.TracerProvider
	shutdown func(context.Context) error
}

// Shutdown flushes and stops the exporter, if any.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t == nil || t.shutdown == nil {
		return nil
	}
	return t.shutdown(ctx)
}

// Options tune NewTracing.
type Options struct {
	// Processors are added to the provider, e.g. an in-memory span recorder in tests.
	Processors []sdktrace.SpanProcessor
	// Getenv reads the environment; os.Getenv when nil.
	Getenv func(string) string
}

// NewTracing builds the tracer provider of the service named name ("crm",
// "gateway", ...). Spans are always created, so that trace ids reach logs and
// response headers, but they leave the process only when OTLP export is
// switched on through the standard variables: OTEL_TRACES_EXPORTER=otlp, or an
// OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT. The
// protocol follows OTEL_EXPORTER_OTLP_PROTOCOL (http/protobuf by default, or grpc).
func NewTracing(ctx context.Context, name string, opts Options) (*Tracing, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	res, err := resource.Merge(resource.Default(), resource.NewWithAttributes(semconv.SchemaURL,
		semconv.ServiceName("unimesh-"+name),
		semconv.ServiceVersion(Version),
	))
	if err != nil && !errors.Is(err, resource.ErrSchemaURLConflict) {
		return nil, fmt.Errorf("telemetry resource: %w", err)
	}
	tpOpts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
	for _, p := range opts.Processors {
		tpOpts = append(tpOpts, sdktrace.WithSpanProcessor(p))
	}
	if exportEnabled(getenv) {
		exp, err := newExporter(ctx, getenv)
		if err != nil {
			return nil, err
		}
		tpOpts = append(tpOpts, sdktrace.WithBatcher(exp))
	}
	tp := sdktrace.NewTracerProvider(tpOpts...)
	return &Tracing{Provider: tp, shutdown: tp.Shutdown}, nil
}

func valueOr(v, def string) string {
	if v != "" {
		return v
	}
	return def
}

func exportEnabled(getenv func(string) string) bool {
	switch strings.ToLower(strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER"))) {
	case "none", "console":
		return false
	case "otlp":
		return true
	}
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

func newExporter(ctx context.Context, getenv func(string) string) (sdktrace.SpanExporter, error) {
	protocol := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	// The exporters read the other OTEL_EXPORTER_OTLP_* variables (headers,
	// timeouts, TLS) themselves; the endpoint is passed explicitly so that it
	// follows getenv.
	traces, base := getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), getenv("OTEL_EXPORTER_OTLP_ENDPOINT")
	var (
		exp sdktrace.SpanExporter
		err error
	)
	switch protocol {
	case "grpc":
		var opts []otlptracegrpc.Option
		if u := valueOr(traces, base); u != "" {
			opts = append(opts, otlptracegrpc.WithEndpointURL(u))
		}
		exp, err = otlptracegrpc.New(ctx, opts...)
	case "", "http/protobuf":
		var opts []otlptracehttp.Option
		switch {
		case traces != "":
			opts = append(opts, otlptracehttp.WithEndpointURL(traces))
		case base != "":
			opts = append(opts, otlptracehttp.WithEndpointURL(strings.TrimSuffix(base, "/")+"/v1/traces"))
		}
		exp, err = otlptracehttp.New(ctx, opts...)
	default:
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL %q is not supported (grpc or http/protobuf)", protocol)
	}
	if err != nil {
		return nil, fmt.Errorf("otlp trace exporter: %w", err)
	}
	return exp, nil
}
