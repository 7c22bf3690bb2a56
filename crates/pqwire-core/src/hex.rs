//! Constants written in hex, as the standards and libsodium list them (small-order points,
//! group orders), instead of as arrays of byte literals.

/// The 32 bytes spelled by 64 hex digits, in the order written. Meant for constants, whose
/// evaluation happens at compile time: fewer digits fail the build; a character that is
/// not a hex digit reads as 0, which the tests of each constant catch.
pub(crate) const fn bytes32(digits: &str) -> [u8; 32] {
    let digits = digits.as_bytes();
    let mut out = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        out[i] = nibble(digits[2 * i]) << 4 | nibble(digits[2 * i + 1]);
        i += 1;
    }
    out
}

const fn nibble(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_what_hex_encoding_writes() {
        let bytes: Vec<u8> = (0u8..32).map(|i| i.wrapping_mul(37) ^ 0xA5).collect();
        let digits: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(super::bytes32(&digits).to_vec(), bytes);
        assert_eq!(super::bytes32(&digits.to_uppercase()).to_vec(), bytes);
    }
}
