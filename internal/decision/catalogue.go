package decision

import (
	"github.com/credpol/credpol/internal/catalogue"
)

// Definition describes a decision upstream systems may ask for (SPEC §4).
// The catalogue of definitions is data of the policy tree (catalogue.json),
// so each revision carries its own and a new decision needs no release.
type Definition = catalogue.Definition

// Lookup returns the definition of the named decision in the serving
// revision's catalogue; nothing is defined before a revision is loaded.
func (s *Service) Lookup(name string) (*Definition, bool) {
	ps := s.Engine.Current()
	if ps == nil {
		return nil, false
	}
	return ps.Catalogue().Lookup(name)
}
