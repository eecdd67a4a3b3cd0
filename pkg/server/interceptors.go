package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"buf.build/go/protovalidate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/auth"
)

func recoverUnary(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				logger.ErrorContext(ctx, "panic", "method", info.FullMethod, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				resp, err = nil, apierr.Internal("internal error")
			}
		}()
		return handler(ctx, req)
	}
}

func recoverStream(logger *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if r := recover(); r != nil {
				logger.ErrorContext(ss.Context(), "panic", "method", info.FullMethod, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = apierr.Internal("internal error")
			}
		}()
		return handler(srv, ss)
	}
}

// logUnary writes one line per call: method, code, reason, duration, project
// and connection. Never payloads, never metadata: they carry secrets.
func logUnary(logger *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		ctx, slot := auth.WithSlot(ctx)
		resp, err := handler(ctx, req)
		if strings.HasPrefix(info.FullMethod, "/grpc.health.v1.") {
			return resp, err
		}
		if err != nil && !apierr.IsStatus(err) {
			// A plain Go error is a bug or an unmapped failure: log the cause
			// here, and send the client nothing of it.
			logger.ErrorContext(ctx, "unmapped error", "method", info.FullMethod, "error", err.Error())
			err = apierr.Internal("internal error")
		}
		code := status.Code(err)
		attrs := []any{
			"method", info.FullMethod,
			"code", code.String(),
			"duration_ms", float64(time.Since(start).Microseconds()) / 1000,
		}
		if reason := apierr.Reason(err); reason != "" {
			attrs = append(attrs, "reason", reason)
		}
		if slot.Principal != nil {
			attrs = append(attrs, "project", slot.Principal.ProjectID)
		}
		if c, ok := req.(interface{ GetConnection() string }); ok && c.GetConnection() != "" {
			attrs = append(attrs, "connection", c.GetConnection())
		}
		level := slog.LevelInfo
		switch code {
		case codes.Internal, codes.Unknown, codes.DataLoss:
			level = slog.LevelError
		case codes.Unavailable, codes.DeadlineExceeded:
			level = slog.LevelWarn
		}
		logger.Log(ctx, level, "rpc", attrs...)
		return resp, err
	}
}

// validateUnary enforces the protovalidate rules of every request message and
// answers INVALID_ARGUMENT with one field violation per broken rule.
func validateUnary(v protovalidate.Validator) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if m, ok := req.(proto.Message); ok {
			if err := v.Validate(m); err != nil {
				return nil, ValidationError(err)
			}
		}
		return handler(ctx, req)
	}
}

// ValidationError turns a protovalidate error into the API's INVALID_ARGUMENT.
func ValidationError(err error) error {
	var ve *protovalidate.ValidationError
	if !errors.As(err, &ve) {
		// A rule that cannot be compiled or evaluated is our bug, not the caller's.
		return apierr.Internal("request validation failed to run")
	}
	var fvs []apierr.FieldViolation
	var words []string
	for _, v := range ve.Violations {
		field := protovalidate.FieldPathString(v.Proto.GetField())
		if field == "" {
			// A message-level rule. By our convention its id is the path of the
			// field it judges, such as "contact.id".
			field = v.Proto.GetRuleId()
		}
		fvs = append(fvs, apierr.FieldViolation{Field: field, Description: v.Proto.GetMessage(), Reason: v.Proto.GetRuleId()})
		words = append(words, field+": "+v.Proto.GetMessage())
	}
	return apierr.InvalidArgument(apierr.ReasonInvalidArgument, "invalid request: "+strings.Join(words, "; "), fvs...)
}
