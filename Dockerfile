# credpol as a static binary on an empty image, run as a user without rights.
#   docker build -t credpol .
#   docker run -p 8080:8080 -e CREDPOL_DATABASE_URL=postgres://… credpol
# The binary is all there is: the policies, migrations and demo data are
# built into it. /data is the working directory for the decision log's
# write-ahead files (mount a volume there) and an embedded SQLite store.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# VERSION names the release in `credpol version`; the commit is stamped from
# the checkout when .git is in the build context.
ARG VERSION=""
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=auto \
      -ldflags "-s -w -X github.com/credpol/credpol/internal/version.Version=${VERSION}" \
      -o /out/credpol ./cmd/credpol \
 && mkdir -p /out/data

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/credpol /credpol
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
WORKDIR /data
EXPOSE 8080
ENV CREDPOL_ADDR=:8080
ENTRYPOINT ["/credpol"]
CMD ["serve"]
