package enterprise

// Document returns the facts as policies read them in input.enterprise: JSON
// names, dates as ISO strings, absent facts left out. It is built by hand, not
// through encoding/json, because it runs on every decision.
func Document(f Facts) map[string]any {
	d := make(map[string]any, 20)
	putPtr(d, "uscc", f.USCC)
	putPtr(d, "name", f.Name)
	putPtr(d, "entity_type", f.EntityType)
	putPtr(d, "jurisdiction", f.Jurisdiction)
	putPtr(d, "established_on", f.EstablishedOn)
	putPtr(d, "status", f.Status)
	if f.KeySectors != nil {
		d["key_sectors"] = anySlice(f.KeySectors)
	}
	if f.ProductionSectors != nil {
		d["production_sectors"] = anySlice(f.ProductionSectors)
	}
	putPtr(d, "new_format", f.NewFormat)
	putPtr(d, "public_credit_score", f.PublicCreditScore)
	putPtr(d, "risk_class", f.RiskClass)
	putPtr(d, "premises_abnormal", f.PremisesAbnormal)
	putPtr(d, "reachable", f.Reachable)
	putList(d, "penalties", f.Penalties, func(p Penalty) map[string]any {
		m := map[string]any{
			"decision_no": p.DecisionNo, "decided_on": p.DecidedOn, "kinds": anySlice(p.Kinds),
			"fine_amount": p.FineAmount, "sector": p.Sector, "procedure": p.Procedure,
			"duties_fulfilled": p.DutiesFulfilled, "harm_removed": p.HarmRemoved,
		}
		putPtr(m, "published_on", p.PublishedOn)
		putPtr(m, "ban_months", p.BanMonths)
		return m
	})
	putList(d, "listings", f.Listings, func(l Listing) map[string]any {
		m := map[string]any{"list": l.List, "cause": l.Cause, "listed_on": l.ListedOn, "removed_on": nil}
		putPtr(m, "removed_on", l.RemovedOn)
		return m
	})
	putList(d, "licenses", f.Licenses, func(l License) map[string]any {
		return map[string]any{"kind": l.Kind, "number": l.Number, "expires_on": l.ExpiresOn}
	})
	putList(d, "inspections", f.Inspections, func(x Inspection) map[string]any {
		return map[string]any{"task": x.Task, "inspected_on": x.InspectedOn, "result": x.Result}
	})
	putList(d, "complaints", f.Complaints, func(c Complaint) map[string]any {
		return map[string]any{"received_on": c.ReceivedOn, "kind": c.Kind}
	})
	putList(d, "commitments", f.Commitments, func(c Commitment) map[string]any {
		return map[string]any{"item": c.Item, "made_on": c.MadeOn, "status": c.Status}
	})
	putList(d, "annual_reports", f.AnnualReports, func(r AnnualReport) map[string]any {
		m := map[string]any{"year": r.Year, "amendments": r.Amendments, "filed_on": nil}
		if r.FiledOn != "" {
			m["filed_on"] = r.FiledOn
		}
		return m
	})
	putList(d, "registration_changes", f.RegistrationChanges, func(c RegistrationChange) map[string]any {
		return map[string]any{"item": c.Item, "changed_on": c.ChangedOn}
	})
	return d
}

func putPtr[T any](d map[string]any, k string, v *T) {
	if v != nil {
		d[k] = *v
	}
}

func putList[T any](d map[string]any, k string, items []T, conv func(T) map[string]any) {
	if items == nil {
		return
	}
	out := make([]any, len(items))
	for i, it := range items {
		out[i] = conv(it)
	}
	d[k] = out
}

func anySlice(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
