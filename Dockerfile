# Build: docker build -t answerurl .
# Run:   docker run -p 8080:8080 -e PLIVO_AUTH_TOKEN -e PUBLIC_BASE_URL=https://answer.example.com answerurl
#        (-e PLIVO_AUTH_TOKEN passes the variable from your shell; a placeholder is refused)
FROM docker.io/library/golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/answerurl .

# A static binary on a base with no shell, running as an unprivileged user.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/answerurl /answerurl
ENV GIN_MODE=release PORT=8080
EXPOSE 8080
USER nonroot:nonroot
# No shell or curl in this image: the binary checks its own /healthz.
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s CMD ["/answerurl", "-healthcheck"]
ENTRYPOINT ["/answerurl"]
