//! ISO 3166-1 alpha-2 country codes and the E.164 country calling code each one is dialled
//! with: what `country = "ES"` in a route and `countries = [...]` in a policy mean.
//!
//! Sources: ISO 3166-1 (the 249 officially assigned alpha-2 codes) and the ITU-T list of
//! E.164 assigned country codes (Annex to ITU Operational Bulletin No. 1). Territories that
//! share a calling code (the North American Numbering Plan's +1, +7 for Russia and
//! Kazakhstan, +44 for the Crown Dependencies, +590 for the French Antilles, …) map to the
//! whole shared code; territories without a code of their own map to the code their numbers
//! are dialled with (Vatican City: +39, whose +379 is reserved but unused; Western Sahara:
//! +212; Pitcairn: +64; uninhabited territories: their administering country's).

/// A country or territory by its ISO 3166-1 alpha-2 code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Country {
    alpha2: &'static str,
    calling_code: &'static str,
}

impl Country {
    /// The country with this alpha-2 code (upper case, as ISO writes it), if ISO assigns it.
    pub fn from_alpha2(code: &str) -> Option<Country> {
        COUNTRIES
            .binary_search_by(|c| c.alpha2.cmp(code))
            .ok()
            .map(|i| COUNTRIES[i])
    }

    /// `"ES"`.
    pub fn alpha2(&self) -> &'static str {
        self.alpha2
    }

    /// The calling code's digits, without `+`: `"34"` for Spain, `"1"` for Canada.
    pub fn calling_code(&self) -> &'static str {
        self.calling_code
    }

    /// Whether other countries are dialled with this one's calling code too (+1, +7, +44, …).
    pub fn shares_calling_code(&self) -> bool {
        COUNTRIES
            .iter()
            .filter(|c| c.calling_code == self.calling_code)
            .nth(1)
            .is_some()
    }

    /// Every country in the table, by alpha-2 code.
    pub fn all() -> impl Iterator<Item = Country> {
        COUNTRIES.iter().copied()
    }
}

const fn c(alpha2: &'static str, calling_code: &'static str) -> Country {
    Country {
        alpha2,
        calling_code,
    }
}

/// Sorted by alpha-2 code (looked up by binary search; a unit test keeps it sorted).
static COUNTRIES: [Country; 249] = [
    c("AD", "376"),
    c("AE", "971"),
    c("AF", "93"),
    c("AG", "1"),
    c("AI", "1"),
    c("AL", "355"),
    c("AM", "374"),
    c("AO", "244"),
    c("AQ", "672"),
    c("AR", "54"),
    c("AS", "1"),
    c("AT", "43"),
    c("AU", "61"),
    c("AW", "297"),
    c("AX", "358"),
    c("AZ", "994"),
    c("BA", "387"),
    c("BB", "1"),
    c("BD", "880"),
    c("BE", "32"),
    c("BF", "226"),
    c("BG", "359"),
    c("BH", "973"),
    c("BI", "257"),
    c("BJ", "229"),
    c("BL", "590"),
    c("BM", "1"),
    c("BN", "673"),
    c("BO", "591"),
    c("BQ", "599"),
    c("BR", "55"),
    c("BS", "1"),
    c("BT", "975"),
    c("BV", "47"),
    c("BW", "267"),
    c("BY", "375"),
    c("BZ", "501"),
    c("CA", "1"),
    c("CC", "61"),
    c("CD", "243"),
    c("CF", "236"),
    c("CG", "242"),
    c("CH", "41"),
    c("CI", "225"),
    c("CK", "682"),
    c("CL", "56"),
    c("CM", "237"),
    c("CN", "86"),
    c("CO", "57"),
    c("CR", "506"),
    c("CU", "53"),
    c("CV", "238"),
    c("CW", "599"),
    c("CX", "61"),
    c("CY", "357"),
    c("CZ", "420"),
    c("DE", "49"),
    c("DJ", "253"),
    c("DK", "45"),
    c("DM", "1"),
    c("DO", "1"),
    c("DZ", "213"),
    c("EC", "593"),
    c("EE", "372"),
    c("EG", "20"),
    c("EH", "212"),
    c("ER", "291"),
    c("ES", "34"),
    c("ET", "251"),
    c("FI", "358"),
    c("FJ", "679"),
    c("FK", "500"),
    c("FM", "691"),
    c("FO", "298"),
    c("FR", "33"),
    c("GA", "241"),
    c("GB", "44"),
    c("GD", "1"),
    c("GE", "995"),
    c("GF", "594"),
    c("GG", "44"),
    c("GH", "233"),
    c("GI", "350"),
    c("GL", "299"),
    c("GM", "220"),
    c("GN", "224"),
    c("GP", "590"),
    c("GQ", "240"),
    c("GR", "30"),
    c("GS", "500"),
    c("GT", "502"),
    c("GU", "1"),
    c("GW", "245"),
    c("GY", "592"),
    c("HK", "852"),
    c("HM", "672"),
    c("HN", "504"),
    c("HR", "385"),
    c("HT", "509"),
    c("HU", "36"),
    c("ID", "62"),
    c("IE", "353"),
    c("IL", "972"),
    c("IM", "44"),
    c("IN", "91"),
    c("IO", "246"),
    c("IQ", "964"),
    c("IR", "98"),
    c("IS", "354"),
    c("IT", "39"),
    c("JE", "44"),
    c("JM", "1"),
    c("JO", "962"),
    c("JP", "81"),
    c("KE", "254"),
    c("KG", "996"),
    c("KH", "855"),
    c("KI", "686"),
    c("KM", "269"),
    c("KN", "1"),
    c("KP", "850"),
    c("KR", "82"),
    c("KW", "965"),
    c("KY", "1"),
    c("KZ", "7"),
    c("LA", "856"),
    c("LB", "961"),
    c("LC", "1"),
    c("LI", "423"),
    c("LK", "94"),
    c("LR", "231"),
    c("LS", "266"),
    c("LT", "370"),
    c("LU", "352"),
    c("LV", "371"),
    c("LY", "218"),
    c("MA", "212"),
    c("MC", "377"),
    c("MD", "373"),
    c("ME", "382"),
    c("MF", "590"),
    c("MG", "261"),
    c("MH", "692"),
    c("MK", "389"),
    c("ML", "223"),
    c("MM", "95"),
    c("MN", "976"),
    c("MO", "853"),
    c("MP", "1"),
    c("MQ", "596"),
    c("MR", "222"),
    c("MS", "1"),
    c("MT", "356"),
    c("MU", "230"),
    c("MV", "960"),
    c("MW", "265"),
    c("MX", "52"),
    c("MY", "60"),
    c("MZ", "258"),
    c("NA", "264"),
    c("NC", "687"),
    c("NE", "227"),
    c("NF", "672"),
    c("NG", "234"),
    c("NI", "505"),
    c("NL", "31"),
    c("NO", "47"),
    c("NP", "977"),
    c("NR", "674"),
    c("NU", "683"),
    c("NZ", "64"),
    c("OM", "968"),
    c("PA", "507"),
    c("PE", "51"),
    c("PF", "689"),
    c("PG", "675"),
    c("PH", "63"),
    c("PK", "92"),
    c("PL", "48"),
    c("PM", "508"),
    c("PN", "64"),
    c("PR", "1"),
    c("PS", "970"),
    c("PT", "351"),
    c("PW", "680"),
    c("PY", "595"),
    c("QA", "974"),
    c("RE", "262"),
    c("RO", "40"),
    c("RS", "381"),
    c("RU", "7"),
    c("RW", "250"),
    c("SA", "966"),
    c("SB", "677"),
    c("SC", "248"),
    c("SD", "249"),
    c("SE", "46"),
    c("SG", "65"),
    c("SH", "290"),
    c("SI", "386"),
    c("SJ", "47"),
    c("SK", "421"),
    c("SL", "232"),
    c("SM", "378"),
    c("SN", "221"),
    c("SO", "252"),
    c("SR", "597"),
    c("SS", "211"),
    c("ST", "239"),
    c("SV", "503"),
    c("SX", "1"),
    c("SY", "963"),
    c("SZ", "268"),
    c("TC", "1"),
    c("TD", "235"),
    c("TF", "262"),
    c("TG", "228"),
    c("TH", "66"),
    c("TJ", "992"),
    c("TK", "690"),
    c("TL", "670"),
    c("TM", "993"),
    c("TN", "216"),
    c("TO", "676"),
    c("TR", "90"),
    c("TT", "1"),
    c("TV", "688"),
    c("TW", "886"),
    c("TZ", "255"),
    c("UA", "380"),
    c("UG", "256"),
    c("UM", "1"),
    c("US", "1"),
    c("UY", "598"),
    c("UZ", "998"),
    c("VA", "39"),
    c("VC", "1"),
    c("VE", "58"),
    c("VG", "1"),
    c("VI", "1"),
    c("VN", "84"),
    c("VU", "678"),
    c("WF", "681"),
    c("WS", "685"),
    c("YE", "967"),
    c("YT", "262"),
    c("ZA", "27"),
    c("ZM", "260"),
    c("ZW", "263"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_well_formed() {
        for pair in COUNTRIES.windows(2) {
            assert!(pair[0].alpha2 < pair[1].alpha2, "{:?}", pair);
        }
        for c in COUNTRIES {
            assert!(c.alpha2.len() == 2 && c.alpha2.bytes().all(|b| b.is_ascii_uppercase()));
            // E.164 country codes are one to three digits and never start with 0.
            assert!((1..=3).contains(&c.calling_code.len()), "{c:?}");
            assert!(c.calling_code.bytes().all(|b| b.is_ascii_digit()), "{c:?}");
            assert!(!c.calling_code.starts_with('0'), "{c:?}");
        }
    }

    #[test]
    fn looks_up_single_and_shared_codes() {
        assert_eq!(Country::from_alpha2("GB").unwrap().calling_code(), "44");
        assert_eq!(Country::from_alpha2("ES").unwrap().calling_code(), "34");
        assert_eq!(Country::from_alpha2("CA").unwrap().calling_code(), "1");
        assert_eq!(Country::from_alpha2("KZ").unwrap().calling_code(), "7");
        assert_eq!(Country::from_alpha2("ZW").unwrap().calling_code(), "263");
        assert_eq!(Country::from_alpha2("AD").unwrap().calling_code(), "376");
        assert_eq!(Country::from_alpha2("XX"), None);
        assert_eq!(Country::from_alpha2("es"), None);
    }
}
