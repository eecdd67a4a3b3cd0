// Command gencategory writes the glue between a category's gRPC service and
// its connectors, from the service's descriptor:
//
//   - services/<cat>/connectors/objects_gen.go: the struct a connector
//     fills in, one connector.Object field per unified object (named after
//     the plural of its List method) and one func field per custom method;
//   - services/<cat>/server_gen.go: every RPC of the service, dispatched
//     through the connector runtime.
//
// `make generate` runs it after buf; `make test` checks its output is current.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/unimesh/unimesh/pkg/connector"

	accountingv1 "github.com/unimesh/unimesh/proto/unimesh/accounting/v1"
	atsv1 "github.com/unimesh/unimesh/proto/unimesh/ats/v1"
	crmv1 "github.com/unimesh/unimesh/proto/unimesh/crm/v1"
	hrisv1 "github.com/unimesh/unimesh/proto/unimesh/hris/v1"
	ticketingv1 "github.com/unimesh/unimesh/proto/unimesh/ticketing/v1"
)

type category struct {
	dir      string // services/<dir>
	typeName string // the connector struct: CRM, Ticketing, ...
	pkgAlias string // crmv1
	enum     string // platformv1 category constant
	file     protoreflect.FileDescriptor
}

func main() {
	root := flag.String("root", ".", "repository root")
	flag.Parse()
	cats := []category{
		{"crm", "CRM", "crmv1", "CATEGORY_CRM", crmv1.File_unimesh_crm_v1_crm_service_proto},
		{"ticketing", "Ticketing", "ticketingv1", "CATEGORY_TICKETING", ticketingv1.File_unimesh_ticketing_v1_ticketing_service_proto},
		{"hris", "HRIS", "hrisv1", "CATEGORY_HRIS", hrisv1.File_unimesh_hris_v1_hris_service_proto},
		{"accounting", "Accounting", "accountingv1", "CATEGORY_ACCOUNTING", accountingv1.File_unimesh_accounting_v1_accounting_service_proto},
		{"ats", "ATS", "atsv1", "CATEGORY_ATS", atsv1.File_unimesh_ats_v1_ats_service_proto},
	}
	for _, c := range cats {
		if err := generate(*root, c); err != nil {
			log.Fatalf("%s: %v", c.dir, err)
		}
	}
}

type method struct {
	desc   protoreflect.MethodDescriptor
	kind   string // List, Get, Create, Update, Delete, Custom
	msg    protoreflect.MessageDescriptor
	field  string // struct field: Contacts, ApplicationsMove
	object string // snake name of the message
}

func generate(root string, c category) error {
	svc := c.file.Services().Get(0)
	plural := map[protoreflect.FullName]string{}
	for i := 0; i < svc.Methods().Len(); i++ {
		m := svc.Methods().Get(i)
		if name := string(m.Name()); strings.HasPrefix(name, "List") {
			items := m.Output().Fields().ByNumber(1)
			plural[items.Message().FullName()] = strings.TrimPrefix(name, "List")
		}
	}
	pluralOf := func(md protoreflect.MessageDescriptor) string {
		if p, ok := plural[md.FullName()]; ok {
			return p
		}
		return string(md.Name())
	}
	var methods []method
	var objects []protoreflect.MessageDescriptor
	seen := map[protoreflect.FullName]bool{}
	addObject := func(md protoreflect.MessageDescriptor) {
		if !seen[md.FullName()] {
			seen[md.FullName()] = true
			objects = append(objects, md)
		}
	}
	for i := 0; i < svc.Methods().Len(); i++ {
		m := svc.Methods().Get(i)
		name := string(m.Name())
		mt := method{desc: m}
		switch {
		case strings.HasPrefix(name, "List"):
			mt.kind, mt.msg = "List", m.Output().Fields().ByNumber(1).Message()
		case strings.HasPrefix(name, "Get") && m.Output().Name() == protoreflect.Name(strings.TrimPrefix(name, "Get")):
			mt.kind, mt.msg = "Get", m.Output()
		case strings.HasPrefix(name, "Create") && m.Output().Name() == protoreflect.Name(strings.TrimPrefix(name, "Create")):
			mt.kind, mt.msg = "Create", m.Output()
		case strings.HasPrefix(name, "Update") && m.Output().Name() == protoreflect.Name(strings.TrimPrefix(name, "Update")):
			mt.kind, mt.msg = "Update", m.Output()
		case strings.HasPrefix(name, "Delete"):
			target := m.Input().FullName().Parent().Append(protoreflect.Name(strings.TrimPrefix(name, "Delete")))
			md := c.file.Messages().ByName(target.Name())
			if md == nil {
				md = findMessage(c.file, target.Name())
			}
			if md == nil {
				return fmt.Errorf("%s: no message %s", name, target.Name())
			}
			mt.kind, mt.msg = "Delete", md
		default:
			mt.kind, mt.msg = "Custom", m.Output()
		}
		mt.object = connector.SnakeCase(string(mt.msg.Name()))
		mt.field = pluralOf(mt.msg)
		if mt.kind == "Custom" {
			verb := strings.TrimSuffix(name, string(mt.msg.Name()))
			mt.field = pluralOf(mt.msg) + verb
		}
		addObject(mt.msg)
		methods = append(methods, mt)
	}
	if err := write(filepath.Join(root, "services", c.dir, "connectors", "objects_gen.go"), objectsFile(c, methods, objects, pluralOf)); err != nil {
		return err
	}
	return write(filepath.Join(root, "services", c.dir, "server_gen.go"), serverFile(c, svc, methods))
}

func findMessage(f protoreflect.FileDescriptor, name protoreflect.Name) protoreflect.MessageDescriptor {
	imports := f.Imports()
	for i := 0; i < imports.Len(); i++ {
		if md := imports.Get(i).Messages().ByName(name); md != nil {
			return md
		}
	}
	return nil
}

func objectsFile(c category, methods []method, objects []protoreflect.MessageDescriptor, pluralOf func(protoreflect.MessageDescriptor) string) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by pkg/cmd/gencategory from %s. DO NOT EDIT.\n\n", c.file.Path())
	hasCustom := false
	for _, m := range methods {
		hasCustom = hasCustom || m.kind == "Custom"
	}
	ctxImport := ""
	if hasCustom {
		ctxImport = "\t\"context\"\n\n"
	}
	fmt.Fprintf(&b, "package connectors\n\nimport (\n%s\t\"github.com/unimesh/unimesh/pkg/connector\"\n\t%s \"github.com/unimesh/unimesh/proto/unimesh/%s/v1\"\n)\n\n", ctxImport, c.pkgAlias, c.dir)
	fmt.Fprintf(&b, "// %s is what a %s connector implements: one field per unified object,\n// with the operations its provider supports filled in and the rest left nil.\n// The catalog's capability matrix is read off these fields.\ntype %s struct {\n", c.typeName, c.dir, c.typeName)
	for _, md := range objects {
		fmt.Fprintf(&b, "\t// %s are %s records.\n\t%s connector.Object[*%s.%s]\n", pluralOf(md), md.Name(), pluralOf(md), c.pkgAlias, md.Name())
	}
	for _, m := range methods {
		if m.kind != "Custom" {
			continue
		}
		fmt.Fprintf(&b, "\t// %s serves the custom method %s.\n\t%s func(ctx context.Context, c *connector.Conn, req *%s.%s) (*%s.%s, error)\n",
			m.field, m.desc.Name(), m.field, c.pkgAlias, m.desc.Input().Name(), c.pkgAlias, m.desc.Output().Name())
	}
	b.WriteString("}\n")
	return b.String()
}

func serverFile(c category, svc protoreflect.ServiceDescriptor, methods []method) string {
	var b bytes.Buffer
	needEmpty := false
	for _, m := range methods {
		if m.kind == "Delete" {
			needEmpty = true
		}
	}
	fmt.Fprintf(&b, "// Code generated by pkg/cmd/gencategory from %s. DO NOT EDIT.\n\n", c.file.Path())
	fmt.Fprintf(&b, "package %s\n\nimport (\n\t\"context\"\n\n", c.dir)
	if needEmpty {
		b.WriteString("\t\"google.golang.org/protobuf/types/known/emptypb\"\n\n")
	}
	fmt.Fprintf(&b, "\t\"github.com/unimesh/unimesh/pkg/connector\"\n\t%s \"github.com/unimesh/unimesh/proto/unimesh/%s/v1\"\n\t\"github.com/unimesh/unimesh/services/%s/connectors\"\n)\n\n", c.pkgAlias, c.dir, c.dir)
	picks := map[string]bool{}
	for _, m := range methods {
		if m.kind == "Custom" || picks[m.field] {
			continue
		}
		picks[m.field] = true
		fmt.Fprintf(&b, "func pick%s(c connectors.%s) connector.Object[*%s.%s] { return c.%s }\n\n", m.field, c.typeName, c.pkgAlias, m.msg.Name(), m.field)
	}
	for _, m := range methods {
		name := m.desc.Name()
		in, out := m.desc.Input().Name(), m.desc.Output().Name()
		fmt.Fprintf(&b, "// %s implements %s.\n", name, svc.FullName())
		switch m.kind {
		case "List":
			items := goName(string(m.desc.Output().Fields().ByNumber(1).Name()))
			fmt.Fprintf(&b, "func (s *Server) %s(ctx context.Context, req *%s.%s) (*%s.%s, error) {\n", name, c.pkgAlias, in, c.pkgAlias, out)
			fmt.Fprintf(&b, "\titems, next, err := connector.List(ctx, s.rt, req, %q, pick%s)\n\tif err != nil {\n\t\treturn nil, err\n\t}\n", m.object, m.field)
			fmt.Fprintf(&b, "\treturn &%s.%s{%s: items, NextPageToken: next}, nil\n}\n\n", c.pkgAlias, out, items)
		case "Get":
			id := "req.GetId()"
			if m.desc.Input().Fields().ByName("id") == nil {
				id = `""`
			}
			fmt.Fprintf(&b, "func (s *Server) %s(ctx context.Context, req *%s.%s) (*%s.%s, error) {\n", name, c.pkgAlias, in, c.pkgAlias, out)
			fmt.Fprintf(&b, "\treturn connector.Get(ctx, s.rt, req.GetConnection(), %s, req.GetIncludeRaw(), %q, pick%s)\n}\n\n", id, m.object, m.field)
		case "Create":
			fmt.Fprintf(&b, "func (s *Server) %s(ctx context.Context, req *%s.%s) (*%s.%s, error) {\n", name, c.pkgAlias, in, c.pkgAlias, out)
			fmt.Fprintf(&b, "\treturn connector.Create(ctx, s.rt, req.GetConnection(), req.Get%s(), %q, pick%s)\n}\n\n", m.msg.Name(), m.object, m.field)
		case "Update":
			fmt.Fprintf(&b, "func (s *Server) %s(ctx context.Context, req *%s.%s) (*%s.%s, error) {\n", name, c.pkgAlias, in, c.pkgAlias, out)
			fmt.Fprintf(&b, "\treturn connector.Update(ctx, s.rt, req.GetConnection(), req.Get%s(), req.GetUpdateMask(), %q, pick%s)\n}\n\n", m.msg.Name(), m.object, m.field)
		case "Delete":
			fmt.Fprintf(&b, "func (s *Server) %s(ctx context.Context, req *%s.%s) (*emptypb.Empty, error) {\n", name, c.pkgAlias, in)
			fmt.Fprintf(&b, "\tif err := connector.Delete(ctx, s.rt, req.GetConnection(), req.GetId(), %q, pick%s); err != nil {\n\t\treturn nil, err\n\t}\n\treturn &emptypb.Empty{}, nil\n}\n\n", m.object, m.field)
		case "Custom":
			verb := strings.ToLower(strings.TrimSuffix(string(name), string(m.msg.Name())))
			fmt.Fprintf(&b, "func (s *Server) %s(ctx context.Context, req *%s.%s) (*%s.%s, error) {\n", name, c.pkgAlias, in, c.pkgAlias, out)
			fmt.Fprintf(&b, "\treturn connector.Custom(ctx, s.rt, req.GetConnection(), %q, req, func(c connectors.%s) func(context.Context, *connector.Conn, *%s.%s) (*%s.%s, error) { return c.%s })\n}\n\n",
				verb+" "+m.object, c.typeName, c.pkgAlias, in, c.pkgAlias, out, m.field)
		}
	}
	return b.String()
}

func write(path, src string) error {
	formatted, err := format.Source([]byte(src))
	if err != nil {
		return fmt.Errorf("format %s: %w\n%s", path, err, src)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, formatted, 0o644)
}

// goName is protoc-gen-go's name for a field: time_off_requests → TimeOffRequests.
func goName(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if r == '_' {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
