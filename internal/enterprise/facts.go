// Package enterprise defines an enterprise's facts as decisions read them,
// their validation, and the document policies receive as input.enterprise.
package enterprise

import "errors"

// Facts are what credpol knows of one enterprise. A nil field is absent, so
// inline facts can be laid over stored ones field by field (see Overlay).
type Facts struct {
	USCC          *string  `json:"uscc,omitempty"`
	Name          *string  `json:"name,omitempty"`
	EntityType    *string  `json:"entity_type,omitempty"`
	Jurisdiction  *string  `json:"jurisdiction,omitempty"`
	EstablishedOn *string  `json:"established_on,omitempty"`
	Status        *string  `json:"status,omitempty"`
	KeySectors    []string `json:"key_sectors,omitempty"`
	// ProductionSectors are the key sectors in which the enterprise is a
	// producer (生产企业: a food production or special-equipment
	// manufacturing licence), as against distribution or catering: Shantou's
	// key areas are producers only (ST-1).
	ProductionSectors []string       `json:"production_sectors,omitempty"`
	NewFormat         *bool          `json:"new_format,omitempty"`
	PublicCreditScore *float64       `json:"public_credit_score,omitempty"`
	RiskClass         *string        `json:"risk_class,omitempty"`
	PremisesAbnormal  *bool          `json:"premises_abnormal,omitempty"`
	Reachable         *bool          `json:"reachable,omitempty"`
	Penalties         []Penalty      `json:"penalties,omitempty"`
	Listings          []Listing      `json:"listings,omitempty"`
	Licenses          []License      `json:"licenses,omitempty"`
	Inspections       []Inspection   `json:"inspections,omitempty"`
	Complaints        []Complaint    `json:"complaints,omitempty"`
	Commitments       []Commitment   `json:"commitments,omitempty"`
	AnnualReports     []AnnualReport `json:"annual_reports,omitempty"`
	// RegistrationChanges are changes of registered items, for the abnormal
	// change warnings of HLJ-8 (异常变更).
	RegistrationChanges []RegistrationChange `json:"registration_changes,omitempty"`
}

// Penalty is an administrative penalty decision (SPEC Appendix A).
type Penalty struct {
	DecisionNo      string   `json:"decision_no"`
	DecidedOn       string   `json:"decided_on"`
	PublishedOn     *string  `json:"published_on,omitempty"`
	Kinds           []string `json:"kinds"`
	FineAmount      float64  `json:"fine_amount"`
	Sector          string   `json:"sector"`
	Procedure       string   `json:"procedure"`
	DutiesFulfilled bool     `json:"duties_fulfilled"`
	HarmRemoved     bool     `json:"harm_removed"`
	// BanMonths is the length of an employment ban or restriction the
	// decision imposes; a ban over three years sets the publicity period
	// (Order 45 Art. 13).
	BanMonths *int `json:"ban_months,omitempty"`
}

// Listing is an entry in the abnormal operations list, the serious illegal
// dishonesty list, or the abnormal-status mark of an individual business
// (被标记为经营异常状态); RemovedOn is nil while it is in force.
type Listing struct {
	List      string  `json:"list"`
	Cause     string  `json:"cause"`
	ListedOn  string  `json:"listed_on"`
	RemovedOn *string `json:"removed_on"`
}

// License is an administrative licence held by the enterprise.
type License struct {
	Kind      string `json:"kind"`
	Number    string `json:"number"`
	ExpiresOn string `json:"expires_on"`
}

// Inspection is the result of one inspection task.
type Inspection struct {
	Task        string `json:"task"`
	InspectedOn string `json:"inspected_on"`
	Result      string `json:"result"`
}

// Complaint is a complaint or report received about the enterprise.
type Complaint struct {
	ReceivedOn string `json:"received_on"`
	Kind       string `json:"kind"`
}

// Commitment is a credit commitment (信用承诺) the enterprise made.
type Commitment struct {
	Item   string `json:"item"`
	MadeOn string `json:"made_on"`
	Status string `json:"status"`
}

// AnnualReport is one year's annual report filing.
type AnnualReport struct {
	Year       int    `json:"year"`
	FiledOn    string `json:"filed_on"`
	Amendments int    `json:"amendments"`
}

// RegistrationChange is one change of a registered item (变更登记).
type RegistrationChange struct {
	Item      string `json:"item"`
	ChangedOn string `json:"changed_on"`
}

// Overlay returns base with every field that top sets replaced by top's value:
// inline facts in a request win over stored ones.
func Overlay(base, top Facts) Facts {
	out := base
	setPtr(&out.USCC, top.USCC)
	setPtr(&out.Name, top.Name)
	setPtr(&out.EntityType, top.EntityType)
	setPtr(&out.Jurisdiction, top.Jurisdiction)
	setPtr(&out.EstablishedOn, top.EstablishedOn)
	setPtr(&out.Status, top.Status)
	setSlice(&out.KeySectors, top.KeySectors)
	setSlice(&out.ProductionSectors, top.ProductionSectors)
	setPtr(&out.NewFormat, top.NewFormat)
	setPtr(&out.PublicCreditScore, top.PublicCreditScore)
	setPtr(&out.RiskClass, top.RiskClass)
	setPtr(&out.PremisesAbnormal, top.PremisesAbnormal)
	setPtr(&out.Reachable, top.Reachable)
	setSlice(&out.Penalties, top.Penalties)
	setSlice(&out.Listings, top.Listings)
	setSlice(&out.Licenses, top.Licenses)
	setSlice(&out.Inspections, top.Inspections)
	setSlice(&out.Complaints, top.Complaints)
	setSlice(&out.Commitments, top.Commitments)
	setSlice(&out.AnnualReports, top.AnnualReports)
	setSlice(&out.RegistrationChanges, top.RegistrationChanges)
	return out
}

// Value returns the fact p points at, or the zero value when it is absent,
// for stores and exports that have no "absent" of their own.
func Value[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

func setPtr[T any](dst **T, v *T) {
	if v != nil {
		*dst = v
	}
}

func setSlice[T any](dst *[]T, v []T) {
	if v != nil {
		*dst = v
	}
}

// ErrNotFound is returned by a fact store for a USCC it does not hold.
var ErrNotFound = errors.New("enterprise not found")

// Only is the facts a decision can read, reads naming them by their keys in
// the policy input document, and the facts that name the enterprise (uscc,
// name, jurisdiction) whatever it reads: scope checks, the log and its
// search need them. Facts left out stay absent, so a decision does not pay
// to convert or log history it never looks at.
func (f Facts) Only(reads func(field string) bool) Facts {
	out := Facts{USCC: f.USCC, Name: f.Name, Jurisdiction: f.Jurisdiction}
	keep(reads, "entity_type", &out.EntityType, f.EntityType)
	keep(reads, "established_on", &out.EstablishedOn, f.EstablishedOn)
	keep(reads, "status", &out.Status, f.Status)
	keep(reads, "key_sectors", &out.KeySectors, f.KeySectors)
	keep(reads, "production_sectors", &out.ProductionSectors, f.ProductionSectors)
	keep(reads, "new_format", &out.NewFormat, f.NewFormat)
	keep(reads, "public_credit_score", &out.PublicCreditScore, f.PublicCreditScore)
	keep(reads, "risk_class", &out.RiskClass, f.RiskClass)
	keep(reads, "premises_abnormal", &out.PremisesAbnormal, f.PremisesAbnormal)
	keep(reads, "reachable", &out.Reachable, f.Reachable)
	keep(reads, "penalties", &out.Penalties, f.Penalties)
	keep(reads, "listings", &out.Listings, f.Listings)
	keep(reads, "licenses", &out.Licenses, f.Licenses)
	keep(reads, "inspections", &out.Inspections, f.Inspections)
	keep(reads, "complaints", &out.Complaints, f.Complaints)
	keep(reads, "commitments", &out.Commitments, f.Commitments)
	keep(reads, "annual_reports", &out.AnnualReports, f.AnnualReports)
	keep(reads, "registration_changes", &out.RegistrationChanges, f.RegistrationChanges)
	return out
}

func keep[T any](reads func(string) bool, field string, dst *T, v T) {
	if reads(field) {
		*dst = v
	}
}

// identity are the facts Only always keeps.
var identity = map[string]bool{"uscc": true, "name": true, "jurisdiction": true}
