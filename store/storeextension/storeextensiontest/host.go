// Package storeextensiontest gives tests and benchmarks of components a
// collector host whose store extension hands out a store they opened
// themselves, as the collector's host would hand out the store extension's.
package storeextensiontest

import (
	"context"

	"go.opentelemetry.io/collector/component"

	"github.com/slopipe/slopipe/store"
	"github.com/slopipe/slopipe/store/storeextension"
)

// NewHost returns a host with one extension, of the store extension's
// default ID, that hands out st.
func NewHost(st store.Store) component.Host {
	return NewHostWithID(component.NewID(storeextension.Type), st)
}

// NewHostWithID is NewHost for a store extension configured under id.
func NewHostWithID(id component.ID, st store.Store) component.Host {
	return host{id: openStore{st}}
}

// NewHostWith is NewHostWithID with other extensions beside the store.
func NewHostWith(id component.ID, st store.Store, others map[component.ID]component.Component) component.Host {
	h := host{id: openStore{st}}
	for k, v := range others {
		h[k] = v
	}
	return h
}

type host map[component.ID]component.Component

func (h host) GetExtensions() map[component.ID]component.Component { return h }

type openStore struct{ st store.Store }

func (openStore) Start(context.Context, component.Host) error { return nil }
func (openStore) Shutdown(context.Context) error              { return nil }
func (e openStore) Store() store.Store                        { return e.st }
