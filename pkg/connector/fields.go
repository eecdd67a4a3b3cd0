package connector

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/unimesh/unimesh/pkg/apierr"
)

// FieldError is a bad value of one unified field, found while building a
// provider request. Body collects them into one INVALID_ARGUMENT.
type FieldError struct {
	Field   string // unified field name, relative to the record
	Message string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// BadField returns a FieldError.
func BadField(field, format string, args ...any) error {
	return &FieldError{Field: field, Message: fmt.Sprintf(format, args...)}
}

// Fields maps unified field names (proto names of a record) to functions
// that write that field into a provider request body.
type Fields[T proto.Message] map[string]func(rec T, body map[string]any) error

// Body builds a provider request body from rec. With a mask (an update),
// it writes exactly the masked fields; without one (a create), every field
// rec has set. A field the provider cannot store is refused, not dropped:
// the caller learns that the write would lose it.
func (f Fields[T]) Body(rec T, mask []string, object, integration string) (map[string]any, error) {
	names := mask
	if names == nil {
		rec.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
			if !hasBehavior(fd, annotations.FieldBehavior_OUTPUT_ONLY) && !hasBehavior(fd, annotations.FieldBehavior_IDENTIFIER) {
				names = append(names, string(fd.Name()))
			}
			return true
		})
		sort.Strings(names)
	}
	body := map[string]any{}
	var vs []apierr.FieldViolation
	for _, name := range names {
		write, ok := f[name]
		if !ok {
			vs = append(vs, apierr.FieldViolation{Field: object + "." + name,
				Description: integration + " cannot store " + name, Reason: apierr.ReasonOperationNotSupported})
			continue
		}
		if err := write(rec, body); err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				return nil, err
			}
			vs = append(vs, apierr.FieldViolation{Field: object + "." + fe.Field, Description: fe.Message, Reason: apierr.ReasonInvalidArgument})
		}
	}
	if len(vs) > 0 {
		return nil, apierr.InvalidArgument(apierr.ReasonInvalidArgument, vs[0].Field+": "+vs[0].Description, vs...)
	}
	for k := range body {
		if strings.HasPrefix(k, "\x00") {
			delete(body, k)
		}
	}
	return body, nil
}

// IntID parses a reference to a provider record with a numeric id; "" is
// none (nil, to clear it).
func IntID(field, id string) (*int64, error) {
	if id == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n <= 0 {
		return nil, BadField(field, "%q is not an id of this provider (a positive number)", id)
	}
	return &n, nil
}

// IntIDs parses a list of numeric ids.
func IntIDs(field string, ids []string) ([]int64, error) {
	out := make([]int64, 0, len(ids))
	for i, id := range ids {
		n, err := IntID(fmt.Sprintf("%s[%d]", field, i), id)
		if err != nil {
			return nil, err
		}
		if n == nil {
			return nil, BadField(fmt.Sprintf("%s[%d]", field, i), "empty id")
		}
		out = append(out, *n)
	}
	return out, nil
}

// FormatID writes a numeric id as the unified string id; "" for none.
func FormatID(id *int64) string {
	if id == nil || *id == 0 {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}

// FormatIDs writes numeric ids as strings.
func FormatIDs(ids []int64) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, strconv.FormatInt(id, 10))
	}
	return out
}

// Record is what every unified record message offers.
type Record interface {
	proto.Message
	GetId() string
}

// SetRaw sets a record's raw field (every unified record has one).
func SetRaw(rec proto.Message, raw *structpb.Struct) {
	if raw == nil {
		return
	}
	r := rec.ProtoReflect()
	if fd := r.Descriptor().Fields().ByName("raw"); fd != nil {
		r.Set(fd, protoreflect.ValueOfMessage(raw.ProtoReflect()))
	}
}

// FieldErrorsOf turns FieldErrors found outside Body into the API's INVALID_ARGUMENT.
func FieldErrorsOf(object, integration string, errs ...error) error {
	var vs []apierr.FieldViolation
	for _, err := range errs {
		var fe *FieldError
		if errors.As(err, &fe) {
			vs = append(vs, apierr.FieldViolation{Field: object + "." + fe.Field, Description: fe.Message, Reason: apierr.ReasonInvalidArgument})
		} else {
			return err
		}
	}
	if len(vs) == 0 {
		return nil
	}
	return apierr.InvalidArgument(apierr.ReasonInvalidArgument, vs[0].Field+": "+vs[0].Description, vs...)
}
