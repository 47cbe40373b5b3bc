package dockerfile

import (
	"errors"
	"testing"
)

func TestPlan(t *testing.T) {
	const multi = `ARG GO=1.22
FROM golang:${GO} AS build
RUN go build -o /out/app .

FROM alpine AS unused
RUN echo never

FROM build AS test
RUN --mount=type=cache,target=/root/.cache --mount=from=assets,source=/a,target=/a go test ./...

FROM node AS assets
RUN npm run build

FROM scratch AS final
COPY --from=build /out/app /app
COPY --from=assets /dist /www
COPY --from=docker.io/library/busybox:latest /bin/busybox /bin/
`
	tests := []struct {
		name string
		df   string
		opt  PlanOptions
		want *Plan
	}{
		{
			name: "last stage, skipping unneeded ones",
			df:   multi,
			want: &Plan{Target: 4, MetaArgs: []string{"GO=1.22"}, Stages: []Planned{
				{Index: 0, Base: "golang:1.22", BaseStage: -1},
				{Index: 3, Base: "node", BaseStage: -1},
				{Index: 4, Base: "scratch", BaseStage: -1, Needs: []int{0, 3}},
			}},
		},
		{
			name: "named target with base stage and RUN --mount from",
			df:   multi,
			opt:  PlanOptions{Target: "TEST", Args: map[string]string{"GO": "1.23"}},
			want: &Plan{Target: 2, MetaArgs: []string{"GO=1.23"}, Stages: []Planned{
				{Index: 0, Base: "golang:1.23", BaseStage: -1},
				{Index: 3, Base: "node", BaseStage: -1},
				{Index: 2, BaseStage: 0, Needs: []int{0, 3}},
			}},
		},
		{
			name: "single stage",
			df:   "FROM alpine:3\nRUN true\n",
			want: &Plan{Target: 0, Stages: []Planned{{Index: 0, Base: "alpine:3", BaseStage: -1}}},
		},
		{
			name: "numeric --from",
			df:   "FROM a\nFROM b\nFROM c\nCOPY --from=0 /x /x\nCOPY --from=1 /y /y\n",
			want: &Plan{Target: 2, Stages: []Planned{
				{Index: 0, Base: "a", BaseStage: -1},
				{Index: 1, Base: "b", BaseStage: -1},
				{Index: 2, Base: "c", BaseStage: -1, Needs: []int{0, 1}},
			}},
		},
		{
			name: "COPY --from a later stage by name",
			df:   "FROM a AS one\nCOPY --from=two /x /x\nFROM b AS two\n",
			opt:  PlanOptions{Target: "one"},
			want: &Plan{Target: 0, Stages: []Planned{
				{Index: 1, Base: "b", BaseStage: -1},
				{Index: 0, Base: "a", BaseStage: -1, Needs: []int{1}},
			}},
		},
		{
			name: "FROM a later stage's name is an image",
			df:   "FROM later AS first\nFROM x AS later\n",
			opt:  PlanOptions{Target: "first"},
			want: &Plan{Target: 0, Stages: []Planned{{Index: 0, Base: "later", BaseStage: -1}}},
		},
		{
			name: "chain of base stages, duplicate needs merged",
			df:   "FROM a AS s0\nFROM s0 AS s1\nCOPY --from=s0 /a /a\nRUN --mount=from=0,target=/m true\nFROM s1\n",
			want: &Plan{Target: 2, Stages: []Planned{
				{Index: 0, Base: "a", BaseStage: -1},
				{Index: 1, BaseStage: 0, Needs: []int{0}},
				{Index: 2, BaseStage: 1, Needs: []int{1}},
			}},
		},
		{
			name: "ARG default, expansion of one meta arg in another, platform",
			df:   "ARG REG=docker.io\nARG IMG=${REG}/library/alpine\nARG TAG\nFROM --platform=$BUILDPLATFORM ${IMG}:${TAG:-latest}\n",
			opt:  PlanOptions{Builtin: map[string]string{"BUILDPLATFORM": "linux/amd64"}},
			want: &Plan{Target: 0, MetaArgs: []string{"REG=docker.io", "IMG=docker.io/library/alpine"}, Stages: []Planned{
				{Index: 0, Base: "docker.io/library/alpine:latest", BaseStage: -1, Platform: "linux/amd64"},
			}},
		},
		{
			name: "ARG override",
			df:   "ARG REG=docker.io\nARG IMG=${REG}/library/alpine\nARG TAG\nFROM ${IMG}:${TAG:-latest}\n",
			opt:  PlanOptions{Args: map[string]string{"REG": "quay.io", "TAG": "3.20", "UNUSED": "x"}},
			want: &Plan{Target: 0, MetaArgs: []string{"REG=quay.io", "IMG=quay.io/library/alpine", "TAG=3.20"}, Stages: []Planned{
				{Index: 0, Base: "quay.io/library/alpine:3.20", BaseStage: -1},
			}},
		},
		{
			name: "Builtin in FROM, declared global builtin imported, override of a builtin",
			df:   "ARG TARGETARCH\nARG TARGETOS\nFROM --platform=$TARGETPLATFORM img-${TARGETOS}-${TARGETARCH}\n",
			opt: PlanOptions{
				Builtin: map[string]string{"TARGETPLATFORM": "linux/arm64", "TARGETOS": "linux", "TARGETARCH": "arm64"},
				Args:    map[string]string{"TARGETOS": "freebsd"},
			},
			want: &Plan{Target: 0, MetaArgs: []string{"TARGETARCH=arm64", "TARGETOS=freebsd"}, Stages: []Planned{
				{Index: 0, Base: "img-freebsd-arm64", BaseStage: -1, Platform: "linux/arm64"},
			}},
		},
		{
			name: "FROM an ARG that names a stage",
			df:   "ARG BASE=dev\nFROM alpine AS dev\nFROM alpine AS prod\nFROM $BASE\n",
			opt:  PlanOptions{Args: map[string]string{"BASE": "prod"}},
			want: &Plan{Target: 2, MetaArgs: []string{"BASE=prod"}, Stages: []Planned{
				{Index: 1, Base: "alpine", BaseStage: -1},
				{Index: 2, BaseStage: 1, Needs: []int{1}},
			}},
		},
		{
			name: "--from expanded with meta args",
			df:   "ARG SRC=one\nFROM a AS one\nFROM b\nCOPY --from=${SRC} /x /x\n",
			want: &Plan{Target: 1, MetaArgs: []string{"SRC=one"}, Stages: []Planned{
				{Index: 0, Base: "a", BaseStage: -1},
				{Index: 1, Base: "b", BaseStage: -1, Needs: []int{0}},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustParse(t, tt.df)
			got, err := f.Plan(tt.opt)
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			eq(t, "plan", got, tt.want)
		})
	}
}

func TestPlanErrors(t *testing.T) {
	tests := []struct {
		name, df string
		opt      PlanOptions
		want     string
	}{
		{
			name: "unknown target",
			df:   "FROM a AS one\n",
			opt:  PlanOptions{Target: "x"},
			want: `Dockerfile: target stage "x" could not be found`,
		},
		{
			name: "self cycle",
			df:   "FROM busybox AS stage0\nCOPY --from=stage0 f1 /sub/\n",
			want: "Dockerfile:2: circular dependency detected on stage: stage0",
		},
		{
			name: "indirect cycle",
			df:   "FROM busybox AS stage0\nCOPY --from=stage2 f1 /sub/\nFROM busybox AS stage1\nCOPY --from=stage0 f2 /sub/\nFROM busybox AS stage2\nCOPY --from=stage1 f2 /sub/\n",
			want: "Dockerfile:2: circular dependency detected on stage: stage0 (stage0 -> stage2 -> stage1 -> stage0)",
		},
		{
			name: "cycle through base stage and mount",
			df:   "FROM a AS x\nRUN --mount=from=y,target=/y true\nFROM x AS y\nFROM c\n",
			want: "Dockerfile:2: circular dependency detected on stage: x (x -> y -> x)",
		},
		{
			name: "cycle among unnamed and unneeded stages still fails",
			df:   "FROM a\nFROM b AS late\nCOPY --from=late /x /x\nFROM c\n",
			want: "Dockerfile:3: circular dependency detected on stage: late",
		},
		{
			name: "numeric --from of a later stage",
			df:   "FROM a\nCOPY --from=1 /x /x\nFROM b\n",
			want: "Dockerfile:2: invalid stage index 1 in --from=1: a stage number must refer to an earlier stage",
		},
		{
			name: "numeric --from of itself",
			df:   "FROM a\nFROM b\nRUN --mount=from=1,target=/x true\n",
			want: "Dockerfile:3: invalid stage index 1 in --from=1: a stage number must refer to an earlier stage",
		},
		{
			name: "empty FROM",
			df:   "ARG BASE\nFROM alpine\nFROM $BASE\n",
			want: "Dockerfile:3: base name ($BASE) should not be blank",
		},
		{
			name: "empty platform",
			df:   "FROM --platform=$NOPE alpine\n",
			want: "Dockerfile:1: empty platform value from expression $NOPE",
		},
		{
			name: "required arg in FROM",
			df:   "ARG TAG\nFROM alpine:${TAG:?required}\n",
			want: `Dockerfile:2: failed to process "alpine:${TAG:?required}": TAG: required`,
		},
		{
			name: "bad meta arg default",
			df:   "ARG A=${B:?}\nFROM alpine\n",
			want: `Dockerfile:1: failed to process "${B:?}": B: is not allowed to be unset`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustParse(t, tt.df)
			_, err := f.Plan(tt.opt)
			if err == nil {
				t.Fatal("no error")
			}
			var e *Error
			if !errors.As(err, &e) || !errors.Is(err, ErrInvalid) {
				t.Errorf("error %T does not wrap ErrInvalid", err)
			}
			eq(t, "Error()", err.Error(), tt.want)
		})
	}
}

func TestStageIndex(t *testing.T) {
	f := mustParse(t, "FROM a AS Build\nFROM b\nFROM c AS dup\nFROM d AS dup\n")
	for _, tt := range []struct {
		ref  string
		want int
		ok   bool
	}{
		{"build", 0, true},
		{"BUILD", 0, true},
		{"1", 1, true},
		{"3", 3, true},
		{"4", -1, false},
		{"-1", -1, false},
		{"+1", -1, false},
		{"dup", 3, true}, // the last one, as BuildKit's name map keeps
		{"alpine:3", -1, false},
		{"", -1, false},
	} {
		i, ok := f.StageIndex(tt.ref)
		if i != tt.want || ok != tt.ok {
			t.Errorf("StageIndex(%q) = %d, %v; want %d, %v", tt.ref, i, ok, tt.want, tt.ok)
		}
	}
}
