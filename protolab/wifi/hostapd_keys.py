"""The hostapd.conf keys beacon build does not apply, as data: which hostapd knows but never puts in a beacon,
and which shape hostapd's beacon but are not built here yet (with what they would change).

The keys that are applied are the spec's declarations (``spec.HOSTAPD_KEYS``); every other key hostapd's
config_file.c knows is in one of the two tables below, and a key in none of them is one hostapd would refuse.
Names are hostapd's; a ``*`` stands for the variable part of a family (``tx_queue_data0_aifs``).
"""

from __future__ import annotations

from fnmatch import fnmatchcase

# hostapd reads these as the same key (config_file.c compares both names)
ALIASES = {"wme_enabled": "wmm_enabled", "anti_clogging_threshold": "sae_anti_clogging_threshold"}
ALIAS_PREFIXES = {"wme_ac_": "wmm_ac_"}

# what the element or bit is -> the keys that set it in hostapd's beacon
NOT_BUILT: dict[str, str] = {
    "EHT (Wi-Fi 7) capabilities, operation and Multi-Link": "ieee80211be disable_11be eht_* mld_ap mld_addr "
    "mld_indicate_disabled punct_bitmap punct_acs_threshold",
    "HE capability and operation details (BSS colour, spatial reuse, MU EDCA, TWT, 6 GHz)":
    "he_bss_color he_bss_color_partial he_default_pe_duration he_er_su_disable he_mu_beamformer he_rts_threshold "
    "he_su_beamformee he_su_beamformer he_twt_required he_twt_responder he_basic_mcs_nss_set he_spr_* "
    "he_mu_edca_* he_6ghz_max_ampdu_len_exp he_6ghz_max_mpdu he_6ghz_rx_ant_pat he_6ghz_tx_ant_pat",
    "VHT capability details and vendor VHT in 2.4 GHz": "vht_capab vendor_vht",
    "the BSS membership selectors of the rates elements": "require_ht require_vht require_he",
    "HT/VHT/HE left out of one BSS": "disable_11n disable_11ac disable_11ax",
    "the country string's third octet": "country3",
    "the Transmit Power Envelope element": "he_6ghz_reg_pwr_type reg_def_cli_eirp reg_def_cli_eirp_psd "
    "reg_sub_cli_eirp_psd",
    "Interworking, Advertisement Protocol and Roaming Consortium elements": "interworking access_network_type "
    "internet asra esr uesa venue_group venue_type hessid roaming_consortium",
    "the Hotspot 2.0 indication element": "hs20 hs20_release disable_dgaf",
    "the Time Advertisement element": "time_advertisement time_zone",
    "the BSS Load element from the radio's measurements": "bss_load_update_period chan_util_avg_period "
    "bss_load_test",
    "the Mobility Domain element's FT-over-DS bit (always 1 here)": "ft_over_ds",
    "RM enabled capabilities beyond neighbour reports": "rrm_beacon_report rrm_link_measurement_report "
    "radio_measurements lci civic",
    "Extended Capabilities bits": "tdls_prohibit tdls_prohibit_chan_switch proxy_arp wnm_sleep_mode qos_map_set "
    "coloc_intf_reporting ext_capa ext_capa_mask utf8_ssid ht_vht_twt_responder beacon_prot ssid_protection "
    "ftm_responder ftm_initiator",
    "the OBSS Scan Parameters element and 20/40 coexistence": "obss_interval",
    "the RSN element's group and management ciphers and capability bits": "group_cipher group_mgmt_cipher "
    "rsn_preauth ocv extended_key_id spp_amsdu",
    "the RSNX element (SAE H2E / SAE-PK)": "sae_pwe no_beacon_rsnxe",
    "the OWE transition element": "owe_transition_bssid owe_transition_ssid owe_transition_ifname",
    "the Reduced Neighbor Report element": "rnr",
    "the Multiple BSSID element": "mbssid mbssid_max mbssid_index",
    "the Multi-AP vendor element": "multi_ap multi_ap_profile",
    "the MBO/OCE vendor element": "mbo mbo_cell_data_conn_pref oce",
    "the WPS vendor element": "wps_state ap_setup_locked uuid wps_rf_bands",
    "the RSN override elements and test overrides of elements": "rsn_override_key_mgmt rsn_override_key_mgmt_2 "
    "rsn_override_mfp rsn_override_mfp_2 rsn_override_pairwise rsn_override_pairwise_2 rsn_override_omit_rsnxe "
    "rsne_override rsnoe_override rsno2e_override rsnxe_override rsnxoe_override own_ie_override",
    "the spectrum management bit without 802.11h": "spectrum_mgmt_required",
    "the privacy bit from dynamic WEP (802.1X)": "ieee8021x wep_key_len_broadcast wep_key_len_unicast",
    "the rate beacons are sent at": "beacon_rate",
    "DMG (60 GHz) BSSs": "pbss enable_edmg edmg_channel",
}

# keys hostapd knows that change nothing in a beacon: the daemon, stations, authentication, RADIUS, ANQP, WPS
# attributes sent only in probe responses, other frames
NOT_IN_BEACON = frozenset("""
interface bridge bridge_hairpin vlan_bridge wds_bridge driver driver_params debug dump_file logger_syslog
logger_syslog_level logger_stdout logger_stdout_level ctrl_interface ctrl_interface_group config_id
macaddr_acl accept_mac_file deny_mac_file wds_sta start_disabled ap_isolate ap_max_inactivity
skip_inactivity_poll bss_max_idle max_acceptable_idle_period no_disconnect_on_group_keyerror max_num_sta
rts_threshold fragm_threshold send_probe_response no_probe_resp_if_max_sta no_probe_resp_if_seen_on
no_auth_if_seen_on max_listen_interval disassoc_low_ack broadcast_deauth use_driver_iface_addr
acs_chan_bias acs_exclude_6ghz_non_psc acs_exclude_dfs acs_num_scans chanlist freqlist channel_usage
enable_background_radar min_tx_power skip_prune_assoc stationary_ap notify_mgmt_frames
auth_algs eapol_version eapol_key_index_workaround eap_reauth_period eap_server eap_authenticator
eap_user_file ca_cert server_cert server_cert2 private_key private_key2 private_key_passwd private_key_passwd2
check_cert_subject check_crl check_crl_strict crl_reload_interval tls_session_lifetime tls_flags
max_auth_rounds max_auth_rounds_short ocsp_stapling_response ocsp_stapling_response_multi dh_file
openssl_ciphers openssl_ecdh_curves fragment_size pac_opaque_encr_key eap_fast_a_id eap_fast_a_id_info
eap_fast_prov pac_key_lifetime pac_key_refresh_time eap_teap_auth eap_teap_separate_result eap_teap_id
eap_teap_method_sequence eap_teap_pac_no_inner eap_sim_db eap_sim_db_timeout eap_sim_aka_result_ind eap_sim_id
imsi_privacy_key eap_sim_aka_fast_reauth_limit tnc pwd_group eap_server_erp eap_message erp_send_reauth_start
erp_domain eap_skip_prot_success server_id dump_msk_file wep_default_key
wep_rekey_period iapp_interface own_ip_addr nas_identifier radius_client_addr radius_client_dev
auth_server_addr auth_server_addr_replace auth_server_port auth_server_shared_secret auth_server_type
auth_server_ca_cert auth_server_client_cert auth_server_private_key auth_server_private_key_passwd
acct_server_addr acct_server_addr_replace acct_server_port acct_server_shared_secret acct_server_type
acct_server_ca_cert acct_server_client_cert acct_server_private_key acct_server_private_key_passwd
radius_retry_primary_interval radius_acct_interim_interval radius_request_cui radius_auth_req_attr
radius_acct_req_attr radius_req_attr_sqlite radius_das_port radius_das_client radius_das_time_window
radius_das_require_event_timestamp radius_das_require_message_authenticator radius_require_message_authenticator
radius_server_clients radius_server_auth_port radius_server_acct_port radius_server_acct_log radius_server_ipv6
dynamic_vlan per_sta_vif vlan_file vlan_naming vlan_tagged_interface
wpa_passphrase wpa_psk wpa_psk_file wpa_psk_radius wpa_group_rekey wpa_strict_rekey wpa_gmk_rekey
wpa_ptk_rekey wpa_deny_ptk0_rekey wpa_group_update_count wpa_pairwise_update_count
wpa_disable_eapol_key_retries rsn_preauth_interfaces peerkey okc disable_pmksa_caching sae_require_mfp
sae_password sae_password_file sae_password_psk sae_groups sae_anti_clogging_threshold sae_sync sae_commit_override
sae_confirm_immediate sae_reflection_attack sae_commit_status sae_pk_omit sae_pk_password_check_skip sae_pw_id_key
sae_pw_id_num sae_track_password transition_disable owe_groups owe_ptk_workaround
assoc_sa_query_max_timeout assoc_sa_query_retry_timeout
oci_freq_override_* gtk_rsc_override igtk_rsc_override eapol_key_reserved_random delay_eapol_tx
eapol_m1_elements eapol_m3_elements eapol_m3_no_encrypt rsne_override_eapol rsnxe_override_eapol
rsne_override_ft rsnxe_override_ft ft_rsnxe_used force_kdk_derivation urnm_mfpr urnm_mfpr_x20
corrupt_gtk_rekey_mic_probability ignore_probe_probability ignore_auth_probability ignore_assoc_probability
ignore_reassoc_probability rsn_testing test_assoc_comeback_type rssi_ignore_probe_request rssi_reject_assoc_rssi
rssi_reject_assoc_timeout track_sta_max_num track_sta_max_age known_sta_identification
r0_key_lifetime r1_max_key_lifetime ft_r0_key_lifetime reassociation_deadline r0kh r1kh r1_key_holder
pmk_r1_push ft_psk_generate_local rkh_pos_timeout rkh_neg_timeout rkh_pull_timeout rkh_pull_retries rxkh_file
fils_cache_id fils_realm fils_dh_group fils_hlp_wait_time dhcp_server dhcp_server_port dhcp_relay_port
dhcp_rapid_commit_proxy fils_discovery_min_interval fils_discovery_max_interval unsol_bcast_probe_resp_interval
pasn_groups pasn_comeback_after pasn_noauth pasn_corrupt_mic i2r_lmr_policy
wps_independent ap_pin device_name manufacturer model_name model_number model_url model_description
serial_number device_type os_version config_methods ap_settings skip_cred_build extra_cred wps_cred_processing
wps_cred_add_sae pbc_in_m1 upnp_iface friendly_name manufacturer_url upc wps_nfc_dev_pw_id wps_nfc_dh_pubkey
wps_nfc_dh_privkey wps_nfc_dev_pw wps_application_ext wps_pin_requests
venue_name venue_url network_auth_type ipaddr_type_availability domain_name anqp_3gpp_cell_net nai_realm
anqp_domain_id anqp_elem gas_frag_limit gas_address3 gas_comeback_delay
hs20_oper_friendly_name hs20_wan_metrics hs20_conn_capab hs20_operating_class hs20_deauth_req_timeout
hs20_t_c_filename hs20_t_c_timestamp hs20_t_c_server_url
multi_ap_backhaul_ssid multi_ap_backhaul_wpa_passphrase multi_ap_backhaul_wpa_psk multi_ap_client_disallow
multi_ap_vlanid manage_p2p allow_cross_connection
wnm_sleep_mode_no_keys
dpp_name dpp_mud_url dpp_extra_conf_req_name dpp_extra_conf_req_value dpp_connector dpp_netaccesskey
dpp_netaccesskey_expiry dpp_csign dpp_controller dpp_relay_port dpp_configurator_connectivity dpp_pfs
macsec_policy macsec_integ_only macsec_replay_protect macsec_replay_window macsec_offload macsec_port
macsec_csindex macsec_icv_indicator mka_priority mka_cak mka_ckn
fst_group_id fst_priority fst_llt airtime_mode airtime_update_interval airtime_sta_weight airtime_bss_weight
airtime_bss_limit multicast_to_unicast bridge_multicast_to_unicast na_mcast_to_ucast
ap_table_max_size ap_table_expiration_time presp_elements assocresp_elements csa_ie_only ecsa_ie_only
wowlan_triggers tx_queue_data*_aifs tx_queue_data*_cwmin tx_queue_data*_cwmax tx_queue_data*_burst
use_sta_nsts use_pae_group_addr peer_to_peer_twt
""".split())

NOT_BUILT_REASON = {key: what for what, keys in NOT_BUILT.items() for key in keys.split()}


def canonical_key(key: str) -> str:
    """The name hostapd reads a key as (``wme_enabled`` is ``wmm_enabled``)."""
    if key in ALIASES:
        return ALIASES[key]
    for prefix, target in ALIAS_PREFIXES.items():
        if key.startswith(prefix):
            return target + key[len(prefix):]
    return key


def _match(key: str, names) -> str | None:
    if key in names:
        return key
    return next((n for n in names if "*" in n and fnmatchcase(key, n)), None)


def not_built_reason(key: str) -> str | None:
    """What a key would change in hostapd's beacon that beacon build does not build, or None."""
    name = _match(key, NOT_BUILT_REASON)
    return NOT_BUILT_REASON[name] if name else None


def not_in_beacon(key: str) -> bool:
    return _match(key, NOT_IN_BEACON) is not None
