"""The two-cluster mesh's root of trust: one root CA and an intermediate CA per cluster, each istiod signing its
workloads' certificates with its cluster's intermediate (Istio's plugged-in CA certificates, Secret
istio-system/cacerts). Every key is derived from one secret seed the stack keeps, and every signature is
deterministic (RFC 6979), so each evaluation of the program computes the same certificates: nothing changes
unless the seed or the issue date does."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID

# The lifetimes Istio's own certificate Makefile gives a root and an intermediate (tools/certs: ROOTCA_DAYS,
# INTERMEDIATE_DAYS); an intermediate past its two years is renewed by replacing the seed (docs/multicluster.md).
ROOT_DAYS = 3650
INTERMEDIATE_DAYS = 730
SEED_BYTES = 64
ORGANIZATION = "istio-demo"
# istiod serves its own webhook and xDS certificates from the intermediate; Istio's Makefile names it in the SAN.
ISTIOD_DNS = "istiod.istio-system.svc"
# The order of the NIST P-256 group, the range a private scalar is reduced into.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
# The keys of Secret istio-system/cacerts that istiod reads (Istio's "Plug in CA certificates" task).
CACERTS_SECRET = "cacerts"


def derived(seed: bytes, label: str, length: int) -> bytes:
    """`length` bytes of the seed for one purpose (HKDF-SHA256), independent of every other label's."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=None, info=f"{ORGANIZATION} {label}".encode()).derive(
        seed
    )


def derived_key(seed: bytes, label: str) -> ec.EllipticCurvePrivateKey:
    """A P-256 key from 48 bytes of the seed (64 bits beyond the group's size, so the reduction is unbiased)."""
    scalar = int.from_bytes(derived(seed, f"{label} key", 48), "big") % (P256_ORDER - 1) + 1
    return ec.derive_private_key(scalar, ec.SECP256R1())


def serial_number(seed: bytes, label: str) -> int:
    """A positive serial number of at most 159 bits, as RFC 5280 allows."""
    return int.from_bytes(derived(seed, f"{label} serial", 20), "big") >> 1 or 1


def name(common_name: str, locality: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION)]
    if locality is not None:
        attributes.append(x509.NameAttribute(NameOID.LOCALITY_NAME, locality))
    return x509.Name([*attributes, x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def ca_usage() -> x509.KeyUsage:
    """What a CA's key signs: certificates and revocation lists (and, as Istio's CAs do, digital signatures)."""
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def root_certificate(seed: bytes, issued: date) -> x509.Certificate:
    """The mesh's self-signed root, valid from the start of the issue day (UTC) for ROOT_DAYS."""
    key = derived_key(seed, "root")
    start = datetime.combine(issued, time(), UTC)
    subject = name("istio-demo root CA")
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(serial_number(seed, "root"))
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=ROOT_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(ca_usage(), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256(), ecdsa_deterministic=True)
    )


def intermediate_certificate(seed: bytes, issued: date, cluster: str) -> x509.Certificate:
    """`cluster`'s intermediate, signed by the root, allowed to sign workload certificates only (path length 0)."""
    root_key = derived_key(seed, "root")
    key = derived_key(seed, f"{cluster} intermediate")
    start = datetime.combine(issued, time(), UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name("istio-demo intermediate CA", locality=cluster))
        .issuer_name(name("istio-demo root CA"))
        .public_key(key.public_key())
        .serial_number(serial_number(seed, f"{cluster} intermediate"))
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=INTERMEDIATE_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(ca_usage(), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(ISTIOD_DNS)]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256(), ecdsa_deterministic=True)
    )


def pem(certificate: x509.Certificate) -> str:
    return certificate.public_bytes(serialization.Encoding.PEM).decode()


def cacerts(seed: bytes, issued: date, cluster: str) -> dict[str, str]:
    """The data of `cluster`'s Secret istio-system/cacerts: its intermediate and key, the root, and the chain."""
    root = pem(root_certificate(seed, issued))
    intermediate = pem(intermediate_certificate(seed, issued, cluster))
    key = derived_key(seed, f"{cluster} intermediate").private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return {
        "ca-cert.pem": intermediate,
        "ca-key.pem": key.decode(),
        "root-cert.pem": root,
        "cert-chain.pem": intermediate + root,
    }
