package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/google/go-cmp/cmp"

	"github.com/unimesh/unimesh/pkg/apierr"
	"github.com/unimesh/unimesh/pkg/connector"
	"github.com/unimesh/unimesh/pkg/connector/connectortest"
	"github.com/unimesh/unimesh/pkg/emulator"
	"github.com/unimesh/unimesh/pkg/sandboxapi"
	atsv1 "github.com/unimesh/unimesh/proto/unimesh/ats/v1"
	commonv1 "github.com/unimesh/unimesh/proto/unimesh/common/v1"
	platformv1 "github.com/unimesh/unimesh/proto/unimesh/platform/v1"
)

const testKey = "sk_test_ats"

func start(t *testing.T) (*Emulator, *connector.Conn) {
	t.Helper()
	emu := NewEmulator(Options{APIKey: testKey, Seed: true})
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	return emu, connectortest.Conn(t, Descriptor(srv.URL), "", connectortest.APIKey(testKey), nil)
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptrTime(s string) *time.Time { t := ts(s); return &t }

func mustStruct(m map[string]any) *structpb.Struct {
	s, err := structpb.NewStruct(m)
	if err != nil {
		panic(err)
	}
	return s
}

// freshPair returns a requisition in state and a candidate who never applied to it.
func freshPair(t *testing.T, emu *Emulator, state string) (Requisition, Person) {
	t.Helper()
	for _, j := range emu.Requisitions.All() {
		if j.State != state {
			continue
		}
		for _, p := range emu.People.All() {
			if !slices.ContainsFunc(emu.Applications.All(), func(a Application) bool { return a.CandidateID == p.ID && a.JobID == j.ID }) {
				return j, p
			}
		}
	}
	t.Fatalf("no %s requisition with a candidate to apply", state)
	return Requisition{}, Person{}
}

func wantViolation(t *testing.T, err error, code codes.Code, fields ...string) {
	t.Helper()
	var got []string
	for _, v := range apierr.Violations(err) {
		got = append(got, v.Field)
	}
	if status.Code(err) != code || !slices.Equal(got, fields) {
		t.Fatalf("err = %v\nviolations %v; want %v with violations %v", err, got, code, fields)
	}
}

func TestReadNormalization(t *testing.T) {
	created, updated := ts("2025-02-03T04:05:06Z"), ts("2025-03-04T05:06:07Z")
	cases := []struct {
		name string
		got  proto.Message
		want proto.Message
	}{
		{
			name: "requisition on hold: PENDING with its state kept; one department as a list; hiring team; stages in order",
			got: requisitionToJob(Requisition{
				ID: "job_1001", Title: "Backend Engineer", ReqCode: "ENG-101", DescriptionHTML: "<p>Go &amp; Postgres</p>",
				State: "on_hold", Employment: "Full-time", DepartmentID: ptr(int64(2)), OfficeIDs: []string{"ofc_104", "ofc_105"},
				HiringTeam: HiringTeam{Managers: []int64{9008}, Recruiters: []int64{9002, 9003}}, Headcount: 2, InterviewPlanID: 1,
				Stages: []Stage{
					{ID: 4001, JobID: "job_1001", InterviewPlanID: 1, Name: "Application review", Kind: "applied", CreatedAt: created, UpdatedAt: created},
					{ID: 4002, JobID: "job_1001", InterviewPlanID: 1, Name: "Phone screen", Position: 1, Kind: "screen", CreatedAt: created, UpdatedAt: updated},
				},
				Custom: map[string]any{"salary_band": "L5"}, CreatedAt: created, UpdatedAt: updated,
			}),
			want: &atsv1.Job{
				Id: "job_1001", Name: "Backend Engineer", Code: "ENG-101", Description: "<p>Go &amp; Postgres</p>",
				Status: atsv1.JobStatus_JOB_STATUS_PENDING, RemoteStatus: "on_hold", EmploymentType: "Full-time",
				DepartmentIds: []string{"2"}, OfficeIds: []string{"ofc_104", "ofc_105"},
				HiringManagerIds: []string{"9008"}, RecruiterIds: []string{"9002", "9003"}, Openings: 2,
				Stages: []*atsv1.JobStage{
					{Id: "4001", JobId: "job_1001", Name: "Application review", CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(created)},
					{Id: "4002", JobId: "job_1001", Name: "Phone screen", Order: 1, CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
				},
				CustomFields: mustStruct(map[string]any{"salary_band": "L5"}),
				CreateTime:   timestamppb.New(created), UpdateTime: timestamppb.New(updated),
			},
		},
		{
			name: "evergreen requisition is OTHER; no department is an empty list",
			got: requisitionToJob(Requisition{ID: "job_1017", Title: "SDR", State: "evergreen", OfficeIDs: []string{},
				HiringTeam: HiringTeam{Managers: []int64{}, Recruiters: []int64{}}, Headcount: 1, CreatedAt: created, UpdatedAt: updated}),
			want: &atsv1.Job{Id: "job_1017", Name: "SDR", Status: atsv1.JobStatus_JOB_STATUS_OTHER, RemoteStatus: "evergreen",
				DepartmentIds: []string{}, OfficeIds: []string{}, HiringManagerIds: []string{}, RecruiterIds: []string{}, Openings: 1,
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "person: headline is the title, links by kind (an unknown kind is OTHER), phones to E.164, application ids",
			got: personToCandidate(Person{
				ID: 200001, FirstName: "Ada", LastName: "Lovelace", CurrentCompany: "Analytical Engines", Headline: "Staff Engineer",
				Emails: []sandboxapi.Email{{Address: "ada@home.example", Label: "personal"}},
				Phones: []sandboxapi.Phone{{Number: "+44 20 7946 0958", Label: "mobile"}, {Number: "020 7946 0958", Label: "work"}},
				Links: []Link{{URL: "https://www.linkedin.com/in/ada", Kind: "linkedin"}, {URL: "https://github.com/ada", Kind: "github"},
					{URL: "https://ada.example", Kind: "website"}, {URL: "https://behance.net/ada", Kind: "portfolio"},
					{URL: "https://mastodon.social/@ada", Kind: "social"}, {URL: "https://so.example/ada", Kind: "other"},
					{URL: "https://dribbble.com/ada", Kind: "dribbble"}},
				Tags: []string{"relocation"}, ApplicationIDs: []int64{700001, 700161}, Origin: "Referral",
				Custom: map[string]any{"notice_period_weeks": 4.0}, CreatedAt: created, UpdatedAt: updated,
			}),
			want: &atsv1.Candidate{
				Id: "200001", FirstName: "Ada", LastName: "Lovelace", Company: "Analytical Engines", Title: "Staff Engineer",
				Emails: []*commonv1.Email{{Address: "ada@home.example", Type: commonv1.EmailType_EMAIL_TYPE_PERSONAL}},
				Phones: []*commonv1.Phone{
					{Number: "+442079460958", RawNumber: "+44 20 7946 0958", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE},
					{RawNumber: "020 7946 0958", Type: commonv1.PhoneType_PHONE_TYPE_WORK},
				},
				Urls: []*commonv1.Url{
					{Url: "https://www.linkedin.com/in/ada", Type: commonv1.UrlType_URL_TYPE_LINKEDIN},
					{Url: "https://github.com/ada", Type: commonv1.UrlType_URL_TYPE_GITHUB},
					{Url: "https://ada.example", Type: commonv1.UrlType_URL_TYPE_WEBSITE},
					{Url: "https://behance.net/ada", Type: commonv1.UrlType_URL_TYPE_PORTFOLIO},
					{Url: "https://mastodon.social/@ada", Type: commonv1.UrlType_URL_TYPE_SOCIAL},
					{Url: "https://so.example/ada", Type: commonv1.UrlType_URL_TYPE_OTHER},
					{Url: "https://dribbble.com/ada", Type: commonv1.UrlType_URL_TYPE_OTHER},
				},
				Tags: []string{"relocation"}, ApplicationIds: []string{"700001", "700161"}, Source: "Referral",
				CustomFields: mustStruct(map[string]any{"notice_period_weeks": 4.0}),
				CreateTime:   timestamppb.New(created), UpdateTime: timestamppb.New(updated),
			},
		},
		{
			name: "rejected application: reason label and note, rejection time, referrer credited",
			got: applicationToApplication(Application{
				ID: 700002, CandidateID: 200001, JobID: "job_1001", StageID: 4003, Status: "rejected",
				AppliedAt: ptrTime("2025-02-01T08:00:00Z"), RejectedAt: ptrTime("2025-02-20T16:30:00Z"),
				Rejection: &Rejection{Reason: &ReasonRef{ID: 2, Label: "Skills mismatch"}, Note: "Needs more Go."},
				Origin:    "Referral", ReferrerID: ptr(int64(9008)), Custom: map[string]any{"screening_score": 3.0},
				CreatedAt: created, UpdatedAt: updated,
			}),
			want: &atsv1.Application{
				Id: "700002", CandidateId: "200001", JobId: "job_1001", CurrentStageId: "4003",
				Status: atsv1.ApplicationStatus_APPLICATION_STATUS_REJECTED, RemoteStatus: "rejected",
				AppliedTime:  timestamppb.New(ts("2025-02-01T08:00:00Z")),
				RejectedTime: timestamppb.New(ts("2025-02-20T16:30:00Z")), RejectReason: "Skills mismatch: Needs more Go.",
				Source: "Referral", CreditedToUserId: "9008", CustomFields: mustStruct(map[string]any{"screening_score": 3.0}),
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated),
			},
		},
		{
			name: "application rejected with a note only; the note is the reason",
			got: applicationToApplication(Application{ID: 700003, CandidateID: 200002, JobID: "job_1002", StageID: 4010, Status: "rejected",
				Rejection: &Rejection{Note: "No reply after two follow-ups."}, CreatedAt: created, UpdatedAt: updated}),
			want: &atsv1.Application{Id: "700003", CandidateId: "200002", JobId: "job_1002", CurrentStageId: "4010",
				Status: atsv1.ApplicationStatus_APPLICATION_STATUS_REJECTED, RemoteStatus: "rejected", RejectReason: "No reply after two follow-ups.",
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "application on hold is OTHER",
			got: applicationToApplication(Application{ID: 700004, CandidateID: 200003, JobID: "job_1003", StageID: 4020, Status: "on_hold",
				Rejection: &Rejection{Reason: &ReasonRef{ID: 4, Label: "Position filled"}}, CreatedAt: created, UpdatedAt: updated}),
			want: &atsv1.Application{Id: "700004", CandidateId: "200003", JobId: "job_1003", CurrentStageId: "4020",
				Status: atsv1.ApplicationStatus_APPLICATION_STATUS_OTHER, RemoteStatus: "on_hold", RejectReason: "Position filled",
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "video interview awaiting feedback: the link is the location",
			got: interviewToInterview(Interview{ID: "ivw_1001", ApplicationID: 700002, StageID: 4002, Panel: []int64{9002, 9013},
				OrganizerID: ptr(int64(9006)), StartsAt: ts("2025-02-10T09:00:00Z"), EndsAt: ts("2025-02-10T09:45:00Z"),
				Format: "video", VideoURL: "https://meet.sandbox-recruit.example/abc", State: "awaiting_feedback", CreatedAt: created, UpdatedAt: updated}),
			want: &atsv1.Interview{Id: "ivw_1001", ApplicationId: "700002", StageId: "4002", InterviewerIds: []string{"9002", "9013"},
				OrganizerId: "9006", StartTime: timestamppb.New(ts("2025-02-10T09:00:00Z")), EndTime: timestamppb.New(ts("2025-02-10T09:45:00Z")),
				Location: "https://meet.sandbox-recruit.example/abc", Status: atsv1.InterviewStatus_INTERVIEW_STATUS_AWAITING_FEEDBACK,
				RemoteStatus: "awaiting_feedback", CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "onsite no-show is OTHER; the room wins over a link",
			got: interviewToInterview(Interview{ID: "ivw_1002", ApplicationID: 700002, StageID: 4003, Panel: []int64{},
				StartsAt: ts("2025-02-12T13:00:00Z"), EndsAt: ts("2025-02-12T14:00:00Z"), Format: "onsite",
				Location: "Berlin HQ, room Hopper", VideoURL: "https://meet.sandbox-recruit.example/backup", State: "no_show",
				CreatedAt: created, UpdatedAt: updated}),
			want: &atsv1.Interview{Id: "ivw_1002", ApplicationId: "700002", StageId: "4003", InterviewerIds: []string{},
				StartTime: timestamppb.New(ts("2025-02-12T13:00:00Z")), EndTime: timestamppb.New(ts("2025-02-12T14:00:00Z")),
				Location: "Berlin HQ, room Hopper", Status: atsv1.InterviewStatus_INTERVIEW_STATUS_OTHER, RemoteStatus: "no_show",
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "superseded offer is DEPRECATED; salary without its interval; dates and times",
			got: offerToOffer(Offer{ID: "ofr_1001", ApplicationID: 700004, Version: 1, State: "superseded", StartDate: "2025-05-01",
				SentAt: ptrTime("2025-03-01T10:00:00Z"), ResolvedAt: ptrTime("2025-03-05T10:00:00Z"),
				Salary: &Salary{Money: sandboxapi.Money{Amount: "95000.00", Currency: "EUR"}, Interval: "year"},
				Custom: map[string]any{"signing_bonus": "5000.00"}, CreatedAt: created, UpdatedAt: updated}),
			want: &atsv1.Offer{Id: "ofr_1001", ApplicationId: "700004", Status: atsv1.OfferStatus_OFFER_STATUS_DEPRECATED,
				RemoteStatus: "superseded", StartDate: "2025-05-01", SentTime: timestamppb.New(ts("2025-03-01T10:00:00Z")),
				ClosedTime: timestamppb.New(ts("2025-03-05T10:00:00Z")), Compensation: &commonv1.Money{Units: "95000.00", CurrencyCode: "EUR"},
				CustomFields: mustStruct(map[string]any{"signing_bonus": "5000.00"}),
				CreateTime:   timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "expired offer is OTHER; no salary is no compensation",
			got:  offerToOffer(Offer{ID: "ofr_1002", ApplicationID: 700005, State: "expired", CreatedAt: created, UpdatedAt: updated}),
			want: &atsv1.Offer{Id: "ofr_1002", ApplicationId: "700005", Status: atsv1.OfferStatus_OFFER_STATUS_OTHER, RemoteStatus: "expired",
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "portfolio file is OTHER with its category; the url is the download url",
			got: fileToAttachment(File{ID: "file_5001", CandidateID: 200001, Filename: "Portfolio.pdf", Category: "portfolio",
				ContentType: "application/pdf", Size: ptr(int64(1234)), URL: "https://files.sandbox-recruit.example/file_5001/Portfolio.pdf?sig=x",
				CreatedAt: created, UpdatedAt: updated}),
			want: &atsv1.Attachment{Id: "file_5001", CandidateId: "200001", FileName: "Portfolio.pdf", Type: atsv1.AttachmentType_ATTACHMENT_TYPE_OTHER,
				RemoteType: "portfolio", ContentType: "application/pdf", DownloadUrl: "https://files.sandbox-recruit.example/file_5001/Portfolio.pdf?sig=x",
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "department with its parent",
			got:  departmentToDepartment(Department{ID: 2, Name: "Platform", ParentID: ptr(int64(1)), CreatedAt: created, UpdatedAt: updated}),
			want: &atsv1.Department{Id: "2", Name: "Platform", ParentId: "1", CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "office in a region: city and country are the location",
			got: officeToOffice(Office{ID: "ofc_104", Name: "Berlin HQ", ParentID: ptr("ofc_101"), City: "Berlin", Country: "DE",
				Timezone: "Europe/Berlin", CreatedAt: created, UpdatedAt: updated}),
			want: &atsv1.Office{Id: "ofc_104", Name: "Berlin HQ", ParentId: "ofc_101", Location: "Berlin, DE",
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "region without a city has no location",
			got:  officeToOffice(Office{ID: "ofc_101", Name: "EMEA", CreatedAt: created, UpdatedAt: updated}),
			want: &atsv1.Office{Id: "ofc_101", Name: "EMEA", CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "deactivated recruiter is an inactive user",
			got: recruiterToUser(Recruiter{ID: 9014, Name: "Grace Hopper", Email: "grace.hopper@sandbox-recruit.example", Role: "interviewer",
				Deactivated: true, CreatedAt: created, UpdatedAt: updated}),
			want: &atsv1.User{Id: "9014", Name: "Grace Hopper", Email: "grace.hopper@sandbox-recruit.example", Role: "interviewer",
				CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
		{
			name: "stage",
			got:  stageToJobStage(Stage{ID: 4005, JobID: "job_1001", Name: "Onsite loop", Position: 4, Kind: "interview", CreatedAt: created, UpdatedAt: updated}),
			want: &atsv1.JobStage{Id: "4005", JobId: "job_1001", Name: "Onsite loop", Order: 4, CreateTime: timestamppb.New(created), UpdateTime: timestamppb.New(updated)},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got, protocmp.Transform()); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEnumMappings reads every value of Sandbox Recruit's enumerations (and
// one it may add later) and checks the unified value and the remote value kept.
func TestEnumMappings(t *testing.T) {
	type read struct {
		wire string
		want any
	}
	check := func(t *testing.T, object string, cases []read, conv func(string) (any, string)) {
		for _, c := range cases {
			t.Run(object+"/"+c.wire, func(t *testing.T) {
				got, remote := conv(c.wire)
				if got != c.want || remote != c.wire {
					t.Errorf("%s %q read as %v (remote %q), want %v", object, c.wire, got, remote, c.want)
				}
			})
		}
	}
	check(t, "job", []read{
		{"draft", atsv1.JobStatus_JOB_STATUS_DRAFT}, {"pending_approval", atsv1.JobStatus_JOB_STATUS_PENDING},
		{"open", atsv1.JobStatus_JOB_STATUS_OPEN}, {"on_hold", atsv1.JobStatus_JOB_STATUS_PENDING},
		{"closed", atsv1.JobStatus_JOB_STATUS_CLOSED}, {"archived", atsv1.JobStatus_JOB_STATUS_ARCHIVED},
		{"evergreen", atsv1.JobStatus_JOB_STATUS_OTHER}, {"frozen", atsv1.JobStatus_JOB_STATUS_OTHER},
	}, func(w string) (any, string) {
		j := requisitionToJob(Requisition{State: w})
		return j.GetStatus(), j.GetRemoteStatus()
	})
	check(t, "application", []read{
		{"active", atsv1.ApplicationStatus_APPLICATION_STATUS_ACTIVE}, {"on_hold", atsv1.ApplicationStatus_APPLICATION_STATUS_OTHER},
		{"rejected", atsv1.ApplicationStatus_APPLICATION_STATUS_REJECTED}, {"hired", atsv1.ApplicationStatus_APPLICATION_STATUS_HIRED},
		{"withdrawn", atsv1.ApplicationStatus_APPLICATION_STATUS_WITHDRAWN}, {"transferred", atsv1.ApplicationStatus_APPLICATION_STATUS_OTHER},
	}, func(w string) (any, string) {
		a := applicationToApplication(Application{Status: w})
		return a.GetStatus(), a.GetRemoteStatus()
	})
	check(t, "interview", []read{
		{"scheduled", atsv1.InterviewStatus_INTERVIEW_STATUS_SCHEDULED}, {"awaiting_feedback", atsv1.InterviewStatus_INTERVIEW_STATUS_AWAITING_FEEDBACK},
		{"done", atsv1.InterviewStatus_INTERVIEW_STATUS_COMPLETED}, {"cancelled", atsv1.InterviewStatus_INTERVIEW_STATUS_CANCELLED},
		{"no_show", atsv1.InterviewStatus_INTERVIEW_STATUS_OTHER},
	}, func(w string) (any, string) {
		i := interviewToInterview(Interview{State: w})
		return i.GetStatus(), i.GetRemoteStatus()
	})
	check(t, "offer", []read{
		{"draft", atsv1.OfferStatus_OFFER_STATUS_DRAFT}, {"pending_approval", atsv1.OfferStatus_OFFER_STATUS_APPROVAL_SENT},
		{"approved", atsv1.OfferStatus_OFFER_STATUS_APPROVED}, {"sent", atsv1.OfferStatus_OFFER_STATUS_SENT},
		{"accepted", atsv1.OfferStatus_OFFER_STATUS_ACCEPTED}, {"declined", atsv1.OfferStatus_OFFER_STATUS_DECLINED},
		{"superseded", atsv1.OfferStatus_OFFER_STATUS_DEPRECATED}, {"rescinded", atsv1.OfferStatus_OFFER_STATUS_DEPRECATED},
		{"expired", atsv1.OfferStatus_OFFER_STATUS_OTHER},
	}, func(w string) (any, string) {
		o := offerToOffer(Offer{State: w})
		return o.GetStatus(), o.GetRemoteStatus()
	})
	check(t, "attachment", []read{
		{"resume", atsv1.AttachmentType_ATTACHMENT_TYPE_RESUME}, {"cover_letter", atsv1.AttachmentType_ATTACHMENT_TYPE_COVER_LETTER},
		{"offer_letter", atsv1.AttachmentType_ATTACHMENT_TYPE_OFFER_LETTER}, {"portfolio", atsv1.AttachmentType_ATTACHMENT_TYPE_OTHER},
		{"other", atsv1.AttachmentType_ATTACHMENT_TYPE_OTHER},
	}, func(w string) (any, string) {
		a := fileToAttachment(File{Category: w})
		return a.GetType(), a.GetRemoteType()
	})
}

func TestWriteNormalization(t *testing.T) {
	big := bytes.Repeat([]byte("x"), maxInlineFile+1)
	cases := []struct {
		name      string
		body      func() (map[string]any, error)
		want      string // JSON of the body
		violation string // or the field refused
	}{
		{
			name: "job: names, one department, string office ids, hiring team nested, openings as headcount, custom",
			body: func() (map[string]any, error) {
				return jobFields.Body(&atsv1.Job{
					Name: "Backend Engineer", Code: "ENG-150", Description: "<p>Go</p>", Status: atsv1.JobStatus_JOB_STATUS_OPEN,
					EmploymentType: "Full-time", DepartmentIds: []string{"2"}, OfficeIds: []string{"ofc_104"},
					HiringManagerIds: []string{"9008"}, RecruiterIds: []string{"9002", "9003"}, Openings: 3,
					CustomFields: mustStruct(map[string]any{"salary_band": "L4"}),
					Stages:       []*atsv1.JobStage{{Name: "output only, not sent"}},
				}, nil, "job", Slug)
			},
			want: `{"title":"Backend Engineer","req_code":"ENG-150","description_html":"<p>Go</p>","state":"open","employment":"Full-time",
				"department_id":2,"office_ids":["ofc_104"],"hiring_team":{"managers":[9008],"recruiters":[9002,9003]},"headcount":3,
				"custom":{"salary_band":"L4"}}`,
		},
		{
			name: "job PENDING: pending_approval by default",
			body: func() (map[string]any, error) {
				return jobFields.Body(&atsv1.Job{Status: atsv1.JobStatus_JOB_STATUS_PENDING}, []string{"status"}, "job", Slug)
			},
			want: `{"state":"pending_approval"}`,
		},
		{
			name: "job PENDING with remote on_hold keeps on_hold; a remote of another status is ignored",
			body: func() (map[string]any, error) {
				return jobFields.Body(&atsv1.Job{Status: atsv1.JobStatus_JOB_STATUS_PENDING, RemoteStatus: "on_hold"}, nil, "job", Slug)
			},
			want: `{"state":"on_hold"}`,
		},
		{
			name: "job OPEN with a stale remote archived is open",
			body: func() (map[string]any, error) {
				return jobFields.Body(&atsv1.Job{Status: atsv1.JobStatus_JOB_STATUS_OPEN, RemoteStatus: "archived"}, nil, "job", Slug)
			},
			want: `{"state":"open"}`,
		},
		{
			name: "job OTHER sends the remote status",
			body: func() (map[string]any, error) {
				return jobFields.Body(&atsv1.Job{Status: atsv1.JobStatus_JOB_STATUS_OTHER, RemoteStatus: "evergreen"}, nil, "job", Slug)
			},
			want: `{"state":"evergreen"}`,
		},
		{
			name: "job with only a remote status sends it",
			body: func() (map[string]any, error) {
				return jobFields.Body(&atsv1.Job{RemoteStatus: "evergreen"}, nil, "job", Slug)
			},
			want: `{"state":"evergreen"}`,
		},
		{
			name: "candidate: company and title, URL kinds, raw phone form, custom fields",
			body: func() (map[string]any, error) {
				return candidateFields.Body(&atsv1.Candidate{
					FirstName: "Ada", LastName: "Lovelace", Company: "Analytical Engines", Title: "Staff Engineer", Source: "Meetup",
					Emails: []*commonv1.Email{{Address: "ada@home.example", Type: commonv1.EmailType_EMAIL_TYPE_PERSONAL}},
					Phones: []*commonv1.Phone{{Number: "+442079460958", RawNumber: "+44 20 7946 0958", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE}},
					Urls: []*commonv1.Url{{Url: "https://www.linkedin.com/in/ada", Type: commonv1.UrlType_URL_TYPE_LINKEDIN},
						{Url: "https://github.com/ada", Type: commonv1.UrlType_URL_TYPE_GITHUB}, {Url: "https://ada.example", Type: commonv1.UrlType_URL_TYPE_WEBSITE},
						{Url: "https://behance.net/ada", Type: commonv1.UrlType_URL_TYPE_PORTFOLIO}, {Url: "https://mastodon.social/@ada", Type: commonv1.UrlType_URL_TYPE_SOCIAL},
						{Url: "https://so.example/ada", Type: commonv1.UrlType_URL_TYPE_OTHER}, {Url: "https://x.example/ada"}},
					Tags: []string{"relocation"}, CustomFields: mustStruct(map[string]any{"notice_period_weeks": 4.0}),
					ApplicationIds: []string{"700001"},
				}, nil, "candidate", Slug)
			},
			want: `{"first_name":"Ada","last_name":"Lovelace","current_company":"Analytical Engines","headline":"Staff Engineer","origin":"Meetup",
				"emails":[{"address":"ada@home.example","label":"personal"}],"phones":[{"number":"+44 20 7946 0958","label":"mobile"}],
				"links":[{"url":"https://www.linkedin.com/in/ada","kind":"linkedin"},{"url":"https://github.com/ada","kind":"github"},
					{"url":"https://ada.example","kind":"website"},{"url":"https://behance.net/ada","kind":"portfolio"},
					{"url":"https://mastodon.social/@ada","kind":"social"},{"url":"https://so.example/ada","kind":"other"},{"url":"https://x.example/ada","kind":""}],
				"tags":["relocation"],"custom":{"notice_period_weeks":4}}`,
		},
		{
			name: "candidate update: clearing tags and URLs sends empty lists",
			body: func() (map[string]any, error) {
				return candidateFields.Body(&atsv1.Candidate{Id: "200001"}, []string{"tags", "urls"}, "candidate", Slug)
			},
			want: `{"links":[],"tags":[]}`,
		},
		{
			name: "application: numeric candidate, string job, time of applying, referrer, origin",
			body: func() (map[string]any, error) {
				return applicationFields.Body(&atsv1.Application{
					CandidateId: "200001", JobId: "job_1001", CurrentStageId: "4002", AppliedTime: timestamppb.New(ts("2025-03-01T10:00:00Z")),
					Source: "Careers page", CreditedToUserId: "9008", CustomFields: mustStruct(map[string]any{"screening_score": 4.0}),
					Status: atsv1.ApplicationStatus_APPLICATION_STATUS_HIRED, RejectReason: "output only, not sent",
				}, nil, "application", Slug)
			},
			want: `{"candidate_id":200001,"job_id":"job_1001","stage_id":4002,"applied_at":"2025-03-01T10:00:00Z","origin":"Careers page",
				"referrer_id":9008,"custom":{"screening_score":4}}`,
		},
		{
			name: "application update: clearing the credited user sends null",
			body: func() (map[string]any, error) {
				return applicationFields.Body(&atsv1.Application{Id: "700001"}, []string{"credited_to_user_id", "source"}, "application", Slug)
			},
			want: `{"referrer_id":null,"origin":""}`,
		},
		{
			name: "attachment: content as base64, type as category",
			body: func() (map[string]any, error) {
				return attachmentFields.Body(&atsv1.Attachment{CandidateId: "200001", FileName: "cv.pdf", Type: atsv1.AttachmentType_ATTACHMENT_TYPE_RESUME,
					ContentType: "application/pdf", Content: []byte("hello\xfb\xff")}, nil, "attachment", Slug)
			},
			want: `{"candidate_id":200001,"filename":"cv.pdf","category":"resume","content_type":"application/pdf","content_base64":"aGVsbG/7/w=="}`,
		},
		{
			name: "attachment from a URL: cover letter",
			body: func() (map[string]any, error) {
				return attachmentFields.Body(&atsv1.Attachment{CandidateId: "200001", Type: atsv1.AttachmentType_ATTACHMENT_TYPE_COVER_LETTER,
					SourceUrl: "https://cdn.example/letter.pdf"}, nil, "attachment", Slug)
			},
			want: `{"candidate_id":200001,"category":"cover_letter","source_url":"https://cdn.example/letter.pdf"}`,
		},
		{
			name: "attachment OTHER with a remote type sends it",
			body: func() (map[string]any, error) {
				return attachmentFields.Body(&atsv1.Attachment{Type: atsv1.AttachmentType_ATTACHMENT_TYPE_OTHER, RemoteType: "portfolio"}, nil, "attachment", Slug)
			},
			want: `{"category":"portfolio"}`,
		},
		{
			name: "attachment OTHER alone is Sandbox Recruit's other",
			body: func() (map[string]any, error) {
				return attachmentFields.Body(&atsv1.Attachment{Type: atsv1.AttachmentType_ATTACHMENT_TYPE_OTHER}, nil, "attachment", Slug)
			},
			want: `{"category":"other"}`,
		},
		{
			name: "attachment offer letter",
			body: func() (map[string]any, error) {
				return attachmentFields.Body(&atsv1.Attachment{Type: atsv1.AttachmentType_ATTACHMENT_TYPE_OFFER_LETTER}, nil, "attachment", Slug)
			},
			want: `{"category":"offer_letter"}`,
		},
		{name: "job OTHER without a remote status", violation: "job.status", body: func() (map[string]any, error) {
			return jobFields.Body(&atsv1.Job{Status: atsv1.JobStatus_JOB_STATUS_OTHER}, nil, "job", Slug)
		}},
		{name: "job in two departments", violation: "job.department_ids", body: func() (map[string]any, error) {
			return jobFields.Body(&atsv1.Job{DepartmentIds: []string{"2", "3"}}, nil, "job", Slug)
		}},
		{name: "office id that is not Sandbox Recruit's", violation: "job.office_ids[0]", body: func() (map[string]any, error) {
			return jobFields.Body(&atsv1.Job{OfficeIds: []string{"104"}}, nil, "job", Slug)
		}},
		{name: "hiring manager id that is not a number", violation: "job.hiring_manager_ids[0]", body: func() (map[string]any, error) {
			return jobFields.Body(&atsv1.Job{HiringManagerIds: []string{"grace"}}, nil, "job", Slug)
		}},
		{name: "blog URL, which Sandbox Recruit cannot store", violation: "candidate.urls[1].type", body: func() (map[string]any, error) {
			return candidateFields.Body(&atsv1.Candidate{Urls: []*commonv1.Url{{Url: "https://a.example", Type: commonv1.UrlType_URL_TYPE_WEBSITE},
				{Url: "https://blog.example", Type: commonv1.UrlType_URL_TYPE_BLOG}}}, nil, "candidate", Slug)
		}},
		{name: "job id without its prefix", violation: "application.job_id", body: func() (map[string]any, error) {
			return applicationFields.Body(&atsv1.Application{JobId: "1001"}, nil, "application", Slug)
		}},
		{name: "candidate id that is not a number", violation: "application.candidate_id", body: func() (map[string]any, error) {
			return applicationFields.Body(&atsv1.Application{CandidateId: "ada"}, nil, "application", Slug)
		}},
		{name: "inline file over Sandbox Recruit's limit", violation: "attachment.content", body: func() (map[string]any, error) {
			return attachmentFields.Body(&atsv1.Attachment{Content: big}, nil, "attachment", Slug)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body, err := tc.body()
			if tc.violation != "" {
				wantViolation(t, err, codes.InvalidArgument, tc.violation)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(body)
			var g, w any
			_ = json.Unmarshal(got, &g)
			if err := json.Unmarshal([]byte(tc.want), &w); err != nil {
				t.Fatalf("bad want: %v", err)
			}
			if diff := cmp.Diff(w, g); diff != "" {
				t.Errorf("body mismatch (-want +got):\n%s\ngot %s", diff, got)
			}
		})
	}
}

func TestCapabilities(t *testing.T) {
	const (
		l = platformv1.Operation_OPERATION_LIST
		g = platformv1.Operation_OPERATION_GET
		c = platformv1.Operation_OPERATION_CREATE
		u = platformv1.Operation_OPERATION_UPDATE
	)
	want := map[string][]platformv1.Operation{
		"job": {l, g, c}, "job_stage": {l}, "candidate": {l, g, c, u}, "application": {l, g, c, u}, "interview": {l, g},
		"offer": {l, g}, "attachment": {l, g, c}, "department": {l}, "office": {l}, "user": {l},
	}
	got := map[string][]platformv1.Operation{}
	for _, os := range connector.Capabilities(platformv1.Category_CATEGORY_ATS, Connector()) {
		got[os.GetObject()] = os.GetOperations()
		if want := []string{"move", "reject"}; os.GetObject() == "application" && !slices.Equal(os.GetCustomMethods(), want) {
			t.Errorf("application custom methods %v, want %v", os.GetCustomMethods(), want)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("capabilities (-want +got):\n%s", diff)
	}
}

func TestRoundTrips(t *testing.T) {
	emu, c := start(t)
	conn := Connector()

	t.Run("job", func(t *testing.T) {
		created := connectortest.RoundTrip[*atsv1.Job]{
			Seeded: emu.Requisitions.Len(),
			Create: &atsv1.Job{
				Name: "Platform Architect", Code: "ENG-199", Description: "<p>Design the platform.</p>", Status: atsv1.JobStatus_JOB_STATUS_OPEN,
				EmploymentType: "Full-time", DepartmentIds: []string{"2"}, OfficeIds: []string{"ofc_104", "ofc_111"},
				HiringManagerIds: []string{"9008"}, RecruiterIds: []string{"9002"}, Openings: 2,
				CustomFields: mustStruct(map[string]any{"salary_band": "L6"}),
			},
		}.Run(t, c, conn.Jobs)
		if created.GetStatus() != atsv1.JobStatus_JOB_STATUS_OPEN || created.GetCode() != "ENG-199" || !slices.Equal(created.GetDepartmentIds(), []string{"2"}) ||
			!slices.Equal(created.GetRecruiterIds(), []string{"9002"}) || created.GetOpenings() != 2 {
			t.Errorf("created job: %v", created)
		}
		var names []string
		for i, s := range created.GetStages() {
			names = append(names, s.GetName())
			if s.GetJobId() != created.GetId() || s.GetOrder() != int32(i) || s.GetId() == "" {
				t.Errorf("stage %d: %v", i, s)
			}
		}
		if want := []string{"Application review", "Phone screen", "Interview", "Offer", "Hired"}; !slices.Equal(names, want) {
			t.Errorf("a new job's stages are %v, want the default plan %v", names, want)
		}
	})
	t.Run("candidate", func(t *testing.T) {
		connectortest.RoundTrip[*atsv1.Candidate]{
			Seeded: emu.People.Len(),
			Create: &atsv1.Candidate{
				FirstName: "Katherine", LastName: "Johnson", Company: "NASA", Title: "Mathematician", Source: "Sourced",
				Emails:       []*commonv1.Email{{Address: "kj@nasa.example", Type: commonv1.EmailType_EMAIL_TYPE_WORK}},
				Phones:       []*commonv1.Phone{{Number: "+17575550100", Type: commonv1.PhoneType_PHONE_TYPE_MOBILE}},
				Urls:         []*commonv1.Url{{Url: "https://www.linkedin.com/in/kj", Type: commonv1.UrlType_URL_TYPE_LINKEDIN}},
				Tags:         []string{"silver-medalist"},
				CustomFields: mustStruct(map[string]any{"notice_period_weeks": 2.0}),
			},
			Mask: []string{"title", "urls", "custom_fields"},
			Change: func(c *atsv1.Candidate) {
				c.Title = "Research Mathematician"
				c.Company = "ignored because it is not in the mask"
				c.Urls = append(c.Urls, &commonv1.Url{Url: "https://github.com/kj", Type: commonv1.UrlType_URL_TYPE_GITHUB})
				c.CustomFields = mustStruct(map[string]any{"open_to_remote": true})
			},
			Check: func(t *testing.T, got *atsv1.Candidate) {
				if got.GetTitle() != "Research Mathematician" || got.GetCompany() != "NASA" || len(got.GetUrls()) != 2 ||
					got.GetUrls()[1].GetType() != commonv1.UrlType_URL_TYPE_GITHUB {
					t.Errorf("after update: %v", got)
				}
				// Sandbox Recruit merges custom fields key by key.
				if m := got.GetCustomFields().AsMap(); m["open_to_remote"] != true || m["notice_period_weeks"] != 2.0 {
					t.Errorf("custom fields after update: %v", m)
				}
				if got.GetPhones()[0].GetNumber() != "+17575550100" || len(got.GetApplicationIds()) != 0 || got.GetSource() != "Sourced" {
					t.Errorf("fields lost: %v", got)
				}
			},
		}.Run(t, c, conn.Candidates)
	})
	t.Run("application", func(t *testing.T) {
		job, person := freshPair(t, emu, "open")
		filters := map[string]string{"job_id": job.ID}
		seeded := 0
		for _, a := range emu.Applications.All() {
			if a.JobID == job.ID {
				seeded++
			}
		}
		connectortest.RoundTrip[*atsv1.Application]{
			Seeded: seeded, Filters: filters,
			Create: &atsv1.Application{
				CandidateId: strconv.FormatInt(person.ID, 10), JobId: job.ID, Source: "Careers page", CreditedToUserId: "9008",
				AppliedTime: timestamppb.New(ts("2025-06-01T12:00:00Z")), CustomFields: mustStruct(map[string]any{"screening_score": 5.0}),
			},
			Mask: []string{"source", "credited_to_user_id", "job_id", "applied_time"},
			Change: func(a *atsv1.Application) {
				a.Source, a.CreditedToUserId = "Referral", "" // job_id and applied_time keep their values
			},
			Check: func(t *testing.T, got *atsv1.Application) {
				if got.GetSource() != "Referral" || got.GetCreditedToUserId() != "" || got.GetJobId() != job.ID ||
					got.GetStatus() != atsv1.ApplicationStatus_APPLICATION_STATUS_ACTIVE || !got.GetAppliedTime().AsTime().Equal(ts("2025-06-01T12:00:00Z")) {
					t.Errorf("after update: %v", got)
				}
			},
		}.Run(t, c, conn.Applications)
	})
	t.Run("attachment", func(t *testing.T) {
		filters := map[string]string{"candidate_id": "200001"}
		seeded := 0
		for _, f := range emu.Files.All() {
			if f.CandidateID == 200001 {
				seeded++
			}
		}
		created := connectortest.RoundTrip[*atsv1.Attachment]{
			Seeded: seeded, Filters: filters,
			Create: &atsv1.Attachment{CandidateId: "200001", FileName: "Resume 2025.pdf", Type: atsv1.AttachmentType_ATTACHMENT_TYPE_RESUME,
				Content: []byte("%PDF-1.7 a resume")},
		}.Run(t, c, conn.Attachments)
		if created.GetContentType() != "application/pdf" || !strings.Contains(created.GetDownloadUrl(), "/Resume%202025.pdf") ||
			created.GetType() != atsv1.AttachmentType_ATTACHMENT_TYPE_RESUME || len(created.GetContent()) != 0 {
			t.Errorf("created attachment: %v", created)
		}
		var raw map[string]any
		page, err := conn.Attachments.List(context.Background(), c, connector.ListParams{PageSize: 100, IncludeRaw: true, Filters: filters})
		for _, a := range page.Items {
			if a.GetId() == created.GetId() {
				raw = a.GetRaw().AsMap()
			}
		}
		// Sandbox Recruit keeps the size, not the content.
		if _, kept := raw["content_base64"]; err != nil || kept || raw["size"] != float64(len("%PDF-1.7 a resume")) {
			t.Errorf("stored file %v (%v)", raw, err)
		}
	})
}

func TestAttachmentFromSourceURL(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	a, err := Connector().Attachments.Create(ctx, c, &atsv1.Attachment{CandidateId: "200002", Type: atsv1.AttachmentType_ATTACHMENT_TYPE_OTHER,
		RemoteType: "portfolio", SourceUrl: "https://cdn.example/files/portfolio.docx"})
	if err != nil {
		t.Fatal(err)
	}
	if a.GetFileName() != "portfolio.docx" || a.GetRemoteType() != "portfolio" || a.GetType() != atsv1.AttachmentType_ATTACHMENT_TYPE_OTHER ||
		a.GetContentType() != "application/vnd.openxmlformats-officedocument.wordprocessingml.document" {
		t.Errorf("attachment from a URL: %v", a)
	}
	_, err = Connector().Attachments.Create(ctx, c, &atsv1.Attachment{CandidateId: "200002", SourceUrl: "http://cdn.example/cv.pdf"})
	wantViolation(t, err, codes.InvalidArgument, "attachment.source_url")
	_, err = Connector().Attachments.Create(ctx, c, &atsv1.Attachment{CandidateId: "200002", Type: atsv1.AttachmentType_ATTACHMENT_TYPE_OTHER,
		RemoteType: "photo", Content: []byte("x"), FileName: "me.png"})
	wantViolation(t, err, codes.InvalidArgument, "attachment.type")
}

func TestReadOnlyObjects(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	conn := Connector()

	interviews := connectortest.ListAll(t, c, conn.Interviews, 7, time.Time{}, nil)
	offers := connectortest.ListAll(t, c, conn.Offers, 7, time.Time{}, nil)
	stages := connectortest.ListAll(t, c, conn.JobStages, 7, time.Time{}, nil)
	counts := []struct {
		object    string
		got, want int
	}{
		{"interviews", len(interviews), emu.Interviews.Len()},
		{"offers", len(offers), emu.Offers.Len()},
		{"job stages", len(stages), emu.Stages.Len()},
		{"departments", len(connectortest.ListAll(t, c, conn.Departments, 7, time.Time{}, nil)), emu.Departments.Len()},
		{"offices", len(connectortest.ListAll(t, c, conn.Offices, 7, time.Time{}, nil)), emu.Offices.Len()},
		{"users", len(connectortest.ListAll(t, c, conn.Users, 7, time.Time{}, nil)), emu.Recruiters.Len()},
		{"candidates in pages of the default 50", len(connectortest.ListAll(t, c, conn.Candidates, connector.DefaultPageSize, time.Time{}, nil)), 120},
	}
	for _, n := range counts {
		if n.got != n.want || n.want < 8 {
			t.Errorf("%s: listed %d over pages, want %d (more than a page of 7)", n.object, n.got, n.want)
		}
	}
	for _, s := range stages {
		if !strings.HasPrefix(s.GetJobId(), "job_") {
			t.Fatalf("stage without its job: %v", s)
		}
	}
	iv, err := conn.Interviews.Get(ctx, c, interviews[10].GetId(), connector.GetParams{})
	if err != nil || !proto.Equal(iv, interviews[10]) {
		t.Errorf("get interview: %v %v", iv, err)
	}
	of, err := conn.Offers.Get(ctx, c, offers[3].GetId(), connector.GetParams{})
	if err != nil || !proto.Equal(of, offers[3]) || of.GetCompensation().GetCurrencyCode() == "" {
		t.Errorf("get offer: %v %v", of, err)
	}

	notFound := map[string]func() error{
		"job":         func() error { _, err := conn.Jobs.Get(ctx, c, "job_9999", connector.GetParams{}); return err },
		"candidate":   func() error { _, err := conn.Candidates.Get(ctx, c, "999999", connector.GetParams{}); return err },
		"application": func() error { _, err := conn.Applications.Get(ctx, c, "700999", connector.GetParams{}); return err },
		"interview":   func() error { _, err := conn.Interviews.Get(ctx, c, "ivw_9999", connector.GetParams{}); return err },
		"offer":       func() error { _, err := conn.Offers.Get(ctx, c, "ofr_9999", connector.GetParams{}); return err },
		"attachment":  func() error { _, err := conn.Attachments.Get(ctx, c, "file_1", connector.GetParams{}); return err },
	}
	for object, get := range notFound {
		if err := get(); status.Code(err) != codes.NotFound || apierr.Reason(err) != apierr.ReasonRecordNotFound {
			t.Errorf("unknown %s: %v", object, err)
		}
	}
}

func TestMinimalApplicationLandsInFirstStage(t *testing.T) {
	emu, c := start(t)
	job, person := freshPair(t, emu, "evergreen")
	a, err := Connector().Applications.Create(context.Background(), c, &atsv1.Application{CandidateId: strconv.FormatInt(person.ID, 10), JobId: job.ID})
	if err != nil {
		t.Fatal(err)
	}
	stages := connectortest.ListAll(t, c, Connector().JobStages, 50, time.Time{}, map[string]string{"job_id": job.ID})
	if len(stages) < 5 || a.GetCurrentStageId() != stages[0].GetId() || stages[0].GetOrder() != 0 {
		t.Fatalf("application in stage %s; the job's stages are %v", a.GetCurrentStageId(), stages)
	}
	if a.GetStatus() != atsv1.ApplicationStatus_APPLICATION_STATUS_ACTIVE || a.GetAppliedTime() == nil || a.GetRejectReason() != "" {
		t.Fatalf("new application: %v", a)
	}
}

func TestMoveAndReject(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	conn := Connector()
	job, person := freshPair(t, emu, "open")
	app, err := conn.Applications.Create(ctx, c, &atsv1.Application{CandidateId: strconv.FormatInt(person.ID, 10), JobId: job.ID})
	if err != nil {
		t.Fatal(err)
	}
	stages := connectortest.ListAll(t, c, conn.JobStages, 50, time.Time{}, map[string]string{"job_id": job.ID})
	otherJob := "job_1001"
	if job.ID == otherJob {
		otherJob = "job_1002"
	}
	other := connectortest.ListAll(t, c, conn.JobStages, 1, time.Time{}, map[string]string{"job_id": otherJob})

	moved, err := conn.ApplicationsMove(ctx, c, &atsv1.MoveApplicationRequest{Id: app.GetId(), StageId: stages[2].GetId()})
	if err != nil || moved.GetCurrentStageId() != stages[2].GetId() || moved.GetStatus() != atsv1.ApplicationStatus_APPLICATION_STATUS_ACTIVE {
		t.Fatalf("move: %v %v", moved, err)
	}
	_, err = conn.ApplicationsMove(ctx, c, &atsv1.MoveApplicationRequest{Id: app.GetId(), StageId: other[0].GetId()})
	wantViolation(t, err, codes.InvalidArgument, "stage_id")
	if !strings.Contains(err.Error(), "is not a stage of requisition "+job.ID) {
		t.Errorf("unclear error for a stage of another job: %v", err)
	}
	_, err = conn.ApplicationsMove(ctx, c, &atsv1.MoveApplicationRequest{Id: app.GetId(), StageId: "onsite"})
	wantViolation(t, err, codes.InvalidArgument, "stage_id")
	_, err = conn.ApplicationsMove(ctx, c, &atsv1.MoveApplicationRequest{Id: "700999", StageId: stages[1].GetId()})
	if status.Code(err) != codes.NotFound {
		t.Errorf("moving an unknown application: %v", err)
	}

	_, err = conn.ApplicationsReject(ctx, c, &atsv1.RejectApplicationRequest{Id: app.GetId()})
	wantViolation(t, err, codes.InvalidArgument, "reject_reason_id")
	_, err = conn.ApplicationsReject(ctx, c, &atsv1.RejectApplicationRequest{Id: app.GetId(), RejectReasonId: "99"})
	wantViolation(t, err, codes.InvalidArgument, "reject_reason_id")
	rejected, err := conn.ApplicationsReject(ctx, c, &atsv1.RejectApplicationRequest{Id: app.GetId(), RejectReasonId: "2", RejectReason: "Went with an internal candidate."})
	if err != nil || rejected.GetStatus() != atsv1.ApplicationStatus_APPLICATION_STATUS_REJECTED || rejected.GetRemoteStatus() != "rejected" ||
		rejected.GetRejectReason() != "Skills mismatch: Went with an internal candidate." || rejected.GetRejectedTime() == nil ||
		rejected.GetCurrentStageId() != stages[2].GetId() {
		t.Fatalf("reject: %v %v", rejected, err)
	}
	got, err := conn.Applications.Get(ctx, c, app.GetId(), connector.GetParams{})
	if err != nil || !proto.Equal(got, rejected) {
		t.Fatalf("get after reject: %v %v", got, err)
	}

	_, err = conn.ApplicationsMove(ctx, c, &atsv1.MoveApplicationRequest{Id: app.GetId(), StageId: stages[3].GetId()})
	if status.Code(err) != codes.FailedPrecondition || apierr.Reason(err) != apierr.ReasonProviderRejected ||
		!strings.Contains(err.Error(), "refused to move the application: application "+app.GetId()+" is rejected; only active applications advance") {
		t.Fatalf("moving a rejected application: %v", err)
	}
	_, err = conn.ApplicationsReject(ctx, c, &atsv1.RejectApplicationRequest{Id: app.GetId(), RejectReason: "again"})
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "is rejected") {
		t.Fatalf("rejecting a rejected application: %v", err)
	}
}

func TestMoveToHiredStageHires(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	job, person := freshPair(t, emu, "open")
	app, err := Connector().Applications.Create(ctx, c, &atsv1.Application{CandidateId: strconv.FormatInt(person.ID, 10), JobId: job.ID})
	if err != nil {
		t.Fatal(err)
	}
	stages := connectortest.ListAll(t, c, Connector().JobStages, 50, time.Time{}, map[string]string{"job_id": job.ID})
	hired, err := Connector().ApplicationsMove(ctx, c, &atsv1.MoveApplicationRequest{Id: app.GetId(), StageId: stages[len(stages)-1].GetId()})
	if err != nil || hired.GetStatus() != atsv1.ApplicationStatus_APPLICATION_STATUS_HIRED {
		t.Fatalf("move to the last stage: %v %v", hired, err)
	}
	// Rejecting a hire is refused: a conflict, not a bad argument.
	_, err = Connector().ApplicationsReject(ctx, c, &atsv1.RejectApplicationRequest{Id: app.GetId(), RejectReasonId: "1"})
	if status.Code(err) != codes.FailedPrecondition || !strings.Contains(err.Error(), "is hired") {
		t.Fatalf("rejecting a hire: %v", err)
	}
}

// TestUpdateWithUnchangedFixedFields sends back an application as read:
// the fields Sandbox Recruit fixes at creation keep their values, so the
// update is no change, and no PATCH is sent.
func TestUpdateWithUnchangedFixedFields(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	app, err := Connector().Applications.Get(ctx, c, "700001", connector.GetParams{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Connector().Applications.Update(ctx, c, app, []string{"applied_time", "current_stage_id", "job_id"})
	if err != nil || !proto.Equal(got, app) {
		t.Fatalf("update with unchanged fixed fields: %v %v", got, err)
	}
	if n := emu.Faults.Calls(http.MethodPatch, "/v1/applications"); n != 0 {
		t.Fatalf("%d PATCH sent for no change", n)
	}
}

func TestFilteredLists(t *testing.T) {
	emu, c := start(t)
	conn := Connector()
	apps := emu.Applications.All()
	// The busiest job and a candidate with several applications.
	byJob, byPerson := map[string]int{}, map[int64]int{}
	for _, a := range apps {
		byJob[a.JobID]++
		byPerson[a.CandidateID]++
	}
	job, person := apps[0].JobID, apps[0].CandidateID
	for j, n := range byJob {
		if n > byJob[job] || n == byJob[job] && j < job {
			job = j
		}
	}
	for p, n := range byPerson {
		if n > byPerson[person] || n == byPerson[person] && p < person {
			person = p
		}
	}
	personID := strconv.FormatInt(person, 10)

	ofJob := connectortest.ListAll(t, c, conn.Applications, 7, time.Time{}, map[string]string{"job_id": job})
	if len(ofJob) != byJob[job] || len(ofJob) < 8 || slices.ContainsFunc(ofJob, func(a *atsv1.Application) bool { return a.GetJobId() != job }) {
		t.Errorf("applications of %s: %d, want %d all of it", job, len(ofJob), byJob[job])
	}
	ofPerson := connectortest.ListAll(t, c, conn.Applications, 7, time.Time{}, map[string]string{"candidate_id": personID})
	if len(ofPerson) != byPerson[person] || len(ofPerson) < 2 || slices.ContainsFunc(ofPerson, func(a *atsv1.Application) bool { return a.GetCandidateId() != personID }) {
		t.Errorf("applications of %s: %d, want %d all theirs", personID, len(ofPerson), byPerson[person])
	}
	both := connectortest.ListAll(t, c, conn.Applications, 7, time.Time{}, map[string]string{"candidate_id": personID, "job_id": ofPerson[0].GetJobId()})
	if len(both) != 1 || both[0].GetId() != ofPerson[0].GetId() {
		t.Errorf("applications of a candidate to a job: %v", both)
	}

	jobRec, _, _ := emu.Requisitions.Get(job)
	stages := connectortest.ListAll(t, c, conn.JobStages, 3, time.Time{}, map[string]string{"job_id": job})
	var orders []int32
	for _, s := range stages {
		orders = append(orders, s.GetOrder())
		if s.GetJobId() != job {
			t.Errorf("stage of another job: %v", s)
		}
	}
	if len(stages) != len(emu.planStages(jobRec.InterviewPlanID)) || !sort.SliceIsSorted(orders, func(i, j int) bool { return orders[i] < orders[j] }) {
		t.Errorf("stages of %s: orders %v", job, orders)
	}
	if none := connectortest.ListAll(t, c, conn.JobStages, 3, time.Time{}, map[string]string{"job_id": "job_9999"}); len(none) != 0 {
		t.Errorf("stages of an unknown job: %v", none)
	}

	// The application with the most interviews, and one with offers.
	ivCount, ofCount := map[int64]int{}, map[int64]int{}
	for _, iv := range emu.Interviews.All() {
		ivCount[iv.ApplicationID]++
	}
	for _, of := range emu.Offers.All() {
		ofCount[of.ApplicationID]++
	}
	busiest := func(m map[int64]int) string {
		var best int64
		for id, n := range m {
			if n > m[best] || n == m[best] && id < best {
				best = id
			}
		}
		return strconv.FormatInt(best, 10)
	}
	ivApp, ofApp := busiest(ivCount), busiest(ofCount)
	ivs := connectortest.ListAll(t, c, conn.Interviews, 2, time.Time{}, map[string]string{"application_id": ivApp})
	if n, _ := strconv.ParseInt(ivApp, 10, 64); len(ivs) != ivCount[n] || len(ivs) < 3 ||
		slices.ContainsFunc(ivs, func(i *atsv1.Interview) bool { return i.GetApplicationId() != ivApp }) {
		t.Errorf("interviews of %s: %d", ivApp, len(ivs))
	}
	ofs := connectortest.ListAll(t, c, conn.Offers, 1, time.Time{}, map[string]string{"application_id": ofApp})
	if n, _ := strconv.ParseInt(ofApp, 10, 64); len(ofs) != ofCount[n] || len(ofs) < 2 ||
		slices.ContainsFunc(ofs, func(o *atsv1.Offer) bool { return o.GetApplicationId() != ofApp }) {
		t.Errorf("offers of %s: %d", ofApp, len(ofs))
	}
	files := connectortest.ListAll(t, c, conn.Attachments, 1, time.Time{}, map[string]string{"candidate_id": personID})
	wantFiles := 0
	for _, f := range emu.Files.All() {
		if f.CandidateID == person {
			wantFiles++
		}
	}
	if len(files) != wantFiles || slices.ContainsFunc(files, func(a *atsv1.Attachment) bool { return a.GetCandidateId() != personID }) {
		t.Errorf("files of %s: %d, want %d", personID, len(files), wantFiles)
	}
	_, err := conn.Applications.List(context.Background(), c, connector.ListParams{PageSize: 5, Filters: map[string]string{"candidate_id": "ada"}})
	wantViolation(t, err, codes.InvalidArgument, "candidate_id")
	// A refused parameter that is no unified field is not blamed on one.
	_, err = conn.Applications.List(context.Background(), c, connector.ListParams{PageSize: 5, Cursor: "not-a-cursor", Filters: map[string]string{"job_id": job}})
	wantViolation(t, err, codes.InvalidArgument)
}

func TestIncludeRaw(t *testing.T) {
	_, c := start(t)
	ctx := context.Background()
	got, err := Connector().Candidates.Get(ctx, c, "200001", connector.GetParams{IncludeRaw: true})
	if err != nil {
		t.Fatal(err)
	}
	raw := got.GetRaw().AsMap()
	if raw["id"] != 200001.0 || raw["headline"] != got.GetTitle() || raw["links"] == nil || raw["custom"] == nil {
		t.Fatalf("raw = %v", raw)
	}
	page, err := Connector().Offers.List(ctx, c, connector.ListParams{PageSize: 3, IncludeRaw: true})
	if err != nil || len(page.Items) != 3 {
		t.Fatalf("offers with raw: %v, %v", page.Items, err)
	}
	// The salary's interval, which the unified offer has no field for, is in raw.
	if salary, _ := page.Items[2].GetRaw().AsMap()["salary"].(map[string]any); salary["interval"] == nil {
		t.Fatalf("offer raw = %v", page.Items[2].GetRaw())
	}
	if _, ok := got.GetCustomFields().AsMap()["notice_period_weeks"]; !ok {
		t.Fatalf("seeded custom field missing: %v", got.GetCustomFields())
	}
	if plain, _ := Connector().Candidates.Get(ctx, c, "200001", connector.GetParams{}); plain.GetRaw() != nil {
		t.Fatal("raw without include_raw")
	}
}

func TestProviderValidationBecomesFieldViolations(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	conn := Connector()
	closed, person := freshPair(t, emu, "closed")
	open, _ := freshPair(t, emu, "open")
	var active Application
	for _, a := range emu.Applications.All() {
		if a.Status == "active" {
			active = a
			break
		}
	}
	pid := strconv.FormatInt(person.ID, 10)
	// stageNotOf returns a stage of another requisition than job.
	stageNotOf := func(job string) string {
		j, _, _ := emu.Requisitions.Get(job)
		for _, s := range emu.Stages.All() {
			if s.InterviewPlanID != j.InterviewPlanID {
				return strconv.FormatInt(s.ID, 10)
			}
		}
		t.Fatal("one requisition only")
		return ""
	}
	cases := []struct {
		name   string
		call   func() error
		fields []string
	}{
		{"nameless candidate", func() error {
			_, err := conn.Candidates.Create(ctx, c, &atsv1.Candidate{Title: "Engineer"})
			return err
		}, []string{"candidate.first_name", "candidate.last_name"}},
		{"email of another candidate", func() error {
			_, err := conn.Candidates.Create(ctx, c, &atsv1.Candidate{FirstName: "A", LastName: "B",
				Emails: []*commonv1.Email{{Address: person.Emails[0].Address}}})
			return err
		}, []string{"candidate.emails[0].address"}},
		{"bad link", func() error {
			_, err := conn.Candidates.Update(ctx, c, &atsv1.Candidate{Id: pid, Urls: []*commonv1.Url{{Url: "linkedin"}}}, []string{"urls"})
			return err
		}, []string{"candidate.urls[0].url"}},
		{"application to a closed job", func() error {
			_, err := conn.Applications.Create(ctx, c, &atsv1.Application{CandidateId: pid, JobId: closed.ID})
			return err
		}, []string{"application.job_id"}},
		{"unknown candidate and referrer", func() error {
			_, err := conn.Applications.Create(ctx, c, &atsv1.Application{CandidateId: "299999", JobId: open.ID, CreditedToUserId: "1"})
			return err
		}, []string{"application.candidate_id", "application.credited_to_user_id"}},
		{"second open application to a job", func() error {
			_, err := conn.Applications.Create(ctx, c, &atsv1.Application{CandidateId: strconv.FormatInt(active.CandidateID, 10), JobId: active.JobID})
			return err
		}, []string{"application.job_id"}},
		{"stage of another job on create", func() error {
			_, err := conn.Applications.Create(ctx, c, &atsv1.Application{CandidateId: pid, JobId: open.ID, CurrentStageId: stageNotOf(open.ID)})
			return err
		}, []string{"application.current_stage_id"}},
		{"moving by update", func() error {
			_, err := conn.Applications.Update(ctx, c, &atsv1.Application{Id: strconv.FormatInt(active.ID, 10), CurrentStageId: stageNotOf(active.JobID)},
				[]string{"current_stage_id"})
			return err
		}, []string{"application.current_stage_id"}},
		{"changing the job", func() error {
			_, err := conn.Applications.Update(ctx, c, &atsv1.Application{Id: strconv.FormatInt(active.ID, 10), JobId: closed.ID}, []string{"job_id"})
			return err
		}, []string{"application.job_id"}},
		{"new job already closed", func() error {
			_, err := conn.Jobs.Create(ctx, c, &atsv1.Job{Name: "Closed", Status: atsv1.JobStatus_JOB_STATUS_CLOSED})
			return err
		}, []string{"job.status"}},
		{"job references", func() error {
			_, err := conn.Jobs.Create(ctx, c, &atsv1.Job{Name: "X", Code: "ENG-101", DepartmentIds: []string{"99"}, OfficeIds: []string{"ofc_999"},
				HiringManagerIds: []string{"9008", "1"}})
			return err
		}, []string{"job.code", "job.department_ids[0]", "job.office_ids[0]", "job.hiring_manager_ids[1]"}},
		{"file of an unknown candidate", func() error {
			_, err := conn.Attachments.Create(ctx, c, &atsv1.Attachment{CandidateId: "299999", FileName: "cv.pdf", Content: []byte("x")})
			return err
		}, []string{"attachment.candidate_id"}},
		{"file without a name", func() error {
			_, err := conn.Attachments.Create(ctx, c, &atsv1.Attachment{CandidateId: pid, Content: []byte("x")})
			return err
		}, []string{"attachment.file_name"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			wantViolation(t, err, codes.InvalidArgument, tc.fields...)
			if r := apierr.Reason(err); r != apierr.ReasonProviderRejected && r != apierr.ReasonInvalidArgument {
				t.Errorf("reason %s", r)
			}
		})
	}
}

func TestProviderFaults(t *testing.T) {
	emu, c := start(t)
	ctx := context.Background()
	conn := Connector()
	connectortest.Faults{
		Faults: emu.Faults, Limiter: emu.Limiter,
		Read: func() error {
			_, err := conn.Applications.List(ctx, c, connector.ListParams{PageSize: 5})
			return err
		},
		ReadPath: "/v1/applications",
		Write: func() error {
			_, err := conn.Candidates.Create(ctx, c, &atsv1.Candidate{FirstName: "Once", LastName: "Only"})
			return err
		},
		WritePath: "/v1/people",
	}.Run(t)
	// An application action is a write too: sent once, even on a 503.
	const action = "/v1/applications/700001/reject"
	emu.Faults.Add(emulator.Fault{Method: http.MethodPost, PathPrefix: action, Status: 503})
	_, err := conn.ApplicationsReject(ctx, c, &atsv1.RejectApplicationRequest{Id: "700001", RejectReason: "once"})
	if apierr.Reason(err) != apierr.ReasonProviderUnavailable || emu.Faults.Calls(http.MethodPost, action) != 1 {
		t.Fatalf("action on 503: %v, sent %d times", err, emu.Faults.Calls(http.MethodPost, action))
	}
}

func TestBadCredentials(t *testing.T) {
	emu := NewEmulator(Options{APIKey: testKey, Seed: true})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	c := connectortest.Conn(t, Descriptor(srv.URL), "", connectortest.APIKey("sk_wrong_key"), nil)
	connectortest.BadCredentials(t, func() error {
		_, err := Connector().Candidates.List(context.Background(), c, connector.ListParams{PageSize: 1})
		return err
	}, "sk_wrong_key", "invalid API key")
}

// TestEmulatorRules checks rules of Sandbox Recruit the connector never
// breaks, on the wire.
func TestEmulatorRules(t *testing.T) {
	emu := NewEmulator(Options{APIKey: testKey, Seed: true})
	srv := httptest.NewServer(emu)
	defer srv.Close()
	do := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		return resp.StatusCode, b.String()
	}
	cases := []struct {
		method, path, body string
		status             int
		says               string
	}{
		{"GET", "/v1/applications?jobid=job_1001", "", 400, "unknown filter jobid"},
		{"GET", "/v1/applications?status=archived", "", 400, "one of active"},
		{"POST", "/v1/applications", `{"candidate_id":200001,"job_id":"job_1001","status":"hired"}`, 422, "status cannot be set"},
		{"POST", "/v1/requisitions", `{"title":"X","stages":[]}`, 422, "stages cannot be set"},
		{"PATCH", "/v1/applications/700001", `{"stage_id":4001}`, 422, "stage_id cannot be set"},
		{"POST", "/v1/applications/700001/advance", `{"stage":1}`, 422, "unknown field stage"},
		{"POST", "/v1/applications/700001/advance", `{}`, 422, "stage_id is required"},
		{"POST", "/v1/files", `{"candidate_id":200001,"filename":"a.pdf","content_base64":"!!"}`, 422, "not base64"},
		{"POST", "/v1/files", `{"candidate_id":200001,"filename":"a.pdf","content_base64":"eA==","source_url":"https://x.example/a"}`, 422, "not both"},
		{"DELETE", "/v1/people/200001", "", 405, "method_not_allowed"},
	}
	for _, tc := range cases {
		if code, body := do(tc.method, tc.path, tc.body); code != tc.status || !strings.Contains(body, tc.says) {
			t.Errorf("%s %s %s: %d %s; want %d saying %q", tc.method, tc.path, tc.body, code, body, tc.status, tc.says)
		}
	}
	if n := emu.Files.Len(); slices.ContainsFunc(emu.Files.All(), func(f File) bool { return f.ContentBase64 != "" }) || n == 0 {
		t.Error("a file keeps its content")
	}
}

// TestSeed checks that the demo data is the same on every start, and that
// it passes Sandbox Recruit's own rules.
func TestSeed(t *testing.T) {
	a, b := NewEmulator(Options{Seed: true}), NewEmulator(Options{Seed: true})
	dump := func(e *Emulator) string {
		out, _ := json.Marshal([]any{e.Requisitions.All(), e.Stages.All(), e.People.All(), e.Applications.All(), e.Interviews.All(),
			e.Offers.All(), e.Files.All(), e.Departments.All(), e.Offices.All(), e.Recruiters.All(), e.RejectionReasons.All()})
		return string(out)
	}
	if dump(a) != dump(b) {
		t.Fatal("two starts seed different data")
	}
	for _, p := range a.People.All() {
		if errs := a.validatePerson(&p, false); len(errs) > 0 {
			t.Errorf("seeded person %d: %v", p.ID, errs)
		}
	}
	for _, j := range a.Requisitions.All() {
		if errs := a.validateRequisition(&j, false); len(errs) > 0 {
			t.Errorf("seeded requisition %s: %v", j.ID, errs)
		}
		if n := len(a.planStages(j.InterviewPlanID)); n < 5 || n > 7 {
			t.Errorf("requisition %s has %d stages", j.ID, n)
		}
	}
	for _, app := range a.Applications.All() {
		job, _, _ := a.Requisitions.Get(app.JobID)
		if !slices.ContainsFunc(a.planStages(job.InterviewPlanID), func(s Stage) bool { return s.ID == app.StageID }) {
			t.Errorf("application %d is in stage %d, not of its requisition", app.ID, app.StageID)
		}
	}
	if a.People.Len() <= connector.DefaultPageSize*2 || a.Applications.Len() < 150 {
		t.Errorf("%d people and %d applications: too few to page", a.People.Len(), a.Applications.Len())
	}
}
