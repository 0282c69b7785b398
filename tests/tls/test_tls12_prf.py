"""TLS 1.2 PRF, master secret (plain and extended), key block and Finished against published vectors."""

import json

import pytest

from protolab.tls import prf
from protolab.tls.suites import lookup_suite


@pytest.fixture
def vectors(shared):
    return json.loads(shared("tls/vectors/tls12_prf_vectors.json").read_text())


def h(x):
    return bytes.fromhex(x)


def test_prf_known_answers(vectors):
    for v in vectors["prf_kat"]:
        out = h(v["output"])
        assert prf.prf(v["hash"].lower(), h(v["secret"]), v["label"], h(v["seed"]), len(out)) == out, v["name"]


def test_master_secret_and_key_block(vectors):
    for v in vectors["master_secret_and_key_block_kat"]:
        name = v["hash"].lower()
        master = prf.master_secret(name, h(v["pre_master_secret"]), h(v["clientHello_random"]),
                                   h(v["serverHello_random"]))
        assert master == h(v["master_secret"]), v["name"]
        want = h(v["key_block"])
        got = prf.prf(name, master, "key expansion",
                      h(v["key_expansion_server_random"]) + h(v["key_expansion_client_random"]), len(want))
        assert got == want, v["name"]


def test_key_block_split_follows_the_suite(vectors):
    v = vectors["master_secret_and_key_block_kat"][0]
    master, want = h(v["master_secret"]), h(v["key_block"])
    cr, sr = h(v["key_expansion_client_random"]), h(v["key_expansion_server_random"])
    cbc = prf.key_block(lookup_suite("AES128-SHA256"), master, cr, sr)  # 32+32 MAC, 16+16 key, 16+16 IV = 128
    assert cbc.raw == want[:128]
    assert (cbc.client_mac_key, cbc.server_mac_key) == (want[:32], want[32:64])
    assert (cbc.client_key, cbc.server_key, cbc.client_iv, cbc.server_iv) == \
        (want[64:80], want[80:96], want[96:112], want[112:128])
    gcm = prf.key_block(lookup_suite("AES128-GCM-SHA256"), master, cr, sr)  # no MAC keys, 4-byte implicit IVs
    assert (gcm.client_mac_key, gcm.client_key, gcm.server_key, gcm.client_iv, gcm.server_iv) == \
        (b"", want[:16], want[16:32], want[32:36], want[36:40])


def test_extended_master_secret_and_finished(vectors):
    for v in vectors["extended_master_secret_and_finished_kat"]:
        name, secret, seed, out = v["hash"].lower(), h(v["secret"]), h(v["seed"]), h(v["output"])
        if v["label"] == "extended master secret":
            assert prf.extended_master_secret(name, secret, seed) == out, v["name"]
        else:
            assert prf.finished_verify_data(name, secret, v["label"], seed) == out, v["name"]


def test_derive_tls12_records_every_step(vectors):
    v = vectors["master_secret_and_key_block_kat"][1]
    suite = lookup_suite("TLS_RSA_WITH_AES_256_GCM_SHA384")
    sec = prf.derive_tls12(suite, h(v["pre_master_secret"]), h(v["clientHello_random"]), h(v["serverHello_random"]))
    assert sec.master == h(v["master_secret"]) and not sec.ems
    names = [d.name for d in sec.derivations]
    assert names == ["master_secret", "key_block", "client_write_key", "server_write_key", "client_write_IV",
                     "server_write_IV"]
    assert sec.derivations[0].inputs["pre_master_secret"] == h(v["pre_master_secret"])
    ems = prf.derive_tls12(suite, bytes(48), b"", b"", session_hash=h(
        vectors["extended_master_secret_and_finished_kat"][1]["seed"]))
    assert ems.ems and ems.master == h(vectors["extended_master_secret_and_finished_kat"][1]["output"])
    assert len(sec.finished("client", bytes(48))) == 12 and sec.derivations[-1].name == "client Finished verify_data"
