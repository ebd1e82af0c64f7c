package verify

import (
	"encoding/xml"
	"io"
	"maps"
	"path"
	"slices"
	"time"
)

// Cobertura is the coverage format CI systems (GitLab, Jenkins, Azure)
// annotate merge requests from; OPA's own JSON report is not one of them.

type coberturaReport struct {
	XMLName         xml.Name           `xml:"coverage"`
	LineRate        float64            `xml:"line-rate,attr"`
	BranchRate      float64            `xml:"branch-rate,attr"`
	LinesCovered    int                `xml:"lines-covered,attr"`
	LinesValid      int                `xml:"lines-valid,attr"`
	BranchesCovered int                `xml:"branches-covered,attr"`
	BranchesValid   int                `xml:"branches-valid,attr"`
	Complexity      float64            `xml:"complexity,attr"`
	Version         string             `xml:"version,attr"`
	Timestamp       int64              `xml:"timestamp,attr"`
	Sources         []string           `xml:"sources>source"`
	Packages        []coberturaPackage `xml:"packages>package"`
}

type coberturaPackage struct {
	Name       string           `xml:"name,attr"`
	LineRate   float64          `xml:"line-rate,attr"`
	BranchRate float64          `xml:"branch-rate,attr"`
	Complexity float64          `xml:"complexity,attr"`
	Classes    []coberturaClass `xml:"classes>class"`
}

type coberturaClass struct {
	Name       string          `xml:"name,attr"`
	Filename   string          `xml:"filename,attr"`
	LineRate   float64         `xml:"line-rate,attr"`
	BranchRate float64         `xml:"branch-rate,attr"`
	Complexity float64         `xml:"complexity,attr"`
	Methods    struct{}        `xml:"methods"`
	Lines      []coberturaLine `xml:"lines>line"`
}

type coberturaLine struct {
	Number int `xml:"number,attr"`
	Hits   int `xml:"hits,attr"`
}

// WriteCobertura writes the report's policy coverage as Cobertura XML: one
// package per directory of the tree, one class per file, its lines with one
// hit when a test or case reached them. File names are relative to source,
// the policy directory. A line partly reached counts as reached, so the
// rates here can be a little above OPA's figure in the other reports.
func WriteCobertura(w io.Writer, r *Report, source string, now time.Time) error {
	doc := coberturaReport{Version: "credpol", Timestamp: now.UnixMilli(), Sources: []string{source}}
	byDir := map[string][]coberturaClass{}
	covered, valid := map[string]int{}, map[string]int{}
	for _, f := range r.Files() {
		dir := path.Dir(f.File)
		c := coberturaClass{Name: f.File, Filename: f.File}
		hit := 0
		for _, row := range slices.Sorted(maps.Keys(f.Hits)) {
			l := coberturaLine{Number: row}
			if f.Hits[row] {
				l.Hits = 1
				hit++
			}
			c.Lines = append(c.Lines, l)
		}
		c.LineRate = rate(hit, len(c.Lines))
		byDir[dir] = append(byDir[dir], c)
		covered[dir] += hit
		valid[dir] += len(c.Lines)
		doc.LinesCovered += hit
		doc.LinesValid += len(c.Lines)
	}
	for _, dir := range slices.Sorted(maps.Keys(byDir)) {
		doc.Packages = append(doc.Packages, coberturaPackage{Name: dir, LineRate: rate(covered[dir], valid[dir]), Classes: byDir[dir]})
	}
	doc.LineRate = rate(doc.LinesCovered, doc.LinesValid)
	if _, err := io.WriteString(w, xml.Header+`<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">`+"\n"); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// rate is a Cobertura rate: a fraction, 1 when there is nothing to cover.
func rate(hit, of int) float64 {
	if of == 0 {
		return 1
	}
	return float64(hit) / float64(of)
}
