// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/**
 * @dev The automatic recognition of a foreign AEO: what a risk engine of the importing country asks
 * at each declaration. It joins the certificate registry (is the operator's certificate valid?) and
 * the MRA rules (do the two countries recognise each other's AEOs of its type?).
 */
interface IRecognition {
    /// @dev Why `verify` recognises an operator or not.
    enum Verdict {
        Recognised,
        UnknownTIN,
        SameCountry,
        NotActive,
        NotYetValid,
        Expired,
        NoMRA,
        MRANotInForce,
        TypeNotCovered,
        IssuerSuspended,
        NoConsent // an MRA would recognise it, but its benefits need the consent the trader has not given
    }

    /**
     * @dev Whether the AEO of `tin` is recognised for an import into `importingCountry`, the union of
     * the benefits of every MRA in force between the two countries that covers one of its AEO types,
     * and the verdict. Costs grow with the MRAs between the two countries only. While the members
     * have suspended or expelled the administration that issued the certificate, no MRA recognises
     * it: the verdict is IssuerSuspended where it would otherwise be Recognised. An MRA that requires
     * the trader's consent recognises only a certificate whose visibility is not IssuerOnly; where it
     * alone would recognise, the verdict is NoConsent.
     */
    function verify(
        bytes2 importingCountry,
        bytes32 tin
    ) external view returns (bool recognised, uint16 benefits, Verdict verdict);
}
