package budget

// IsCurrencyCode says whether s has the form of an ISO 4217 code: three
// upper-case letters, as USD. Budgets and the other priced configuration
// of the cost extension check their currency with it.
func IsCurrencyCode(s string) bool { return isCurrencyCode(s) }
