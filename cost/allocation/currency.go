package allocation

import "strings"

// minorUnits are the ISO 4217 minor units of currencies whose minor unit
// is not 2 (cents): shares are rounded to the smallest amount an invoice
// can carry.
var minorUnits = map[string]int{
	// 0: no minor unit in use.
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0,
	"PYG": 0, "RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	// 3: thousandths.
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
	// 4: units of account.
	"CLF": 4, "UYW": 4,
}

// MinorUnits is the number of decimal places of currency's minor unit per
// ISO 4217; 2 for currencies not in the table (USD, EUR and most others).
func MinorUnits(currency string) int {
	if n, ok := minorUnits[strings.ToUpper(currency)]; ok {
		return n
	}
	return 2
}
